// Tree state encoding, lookups, inserts and splits. Deletes, merges and Drop are in
// btree_delete.cc; Verify in btree_verify.cc.
#include "storage/btree.h"

#include <cinttypes>
#include <cstdio>

namespace rookery::storage {

using namespace btree;  // NOLINT: this file implements the btree namespace's tree

void EncodeTreeState(const TreeState& s, uint8_t out[kTreeStateSize]) {
  std::memset(out, 0, kTreeStateSize);
  StoreU64(out + 0, s.root);
  StoreU32(out + 8, s.depth);
  out[12] = kTreeStateVersion;
  out[13] = static_cast<uint8_t>(s.kind);
  StoreU16(out + 14, s.fixed_value_size);
  StoreU64(out + 16, s.entries);
  StoreU64(out + 24, s.branch_pages);
  StoreU64(out + 32, s.leaf_pages);
  StoreU64(out + 40, s.overflow_pages);
}

Result<TreeState> DecodeTreeState(const uint8_t in[kTreeStateSize]) {
  TreeState s;
  s.root = LoadU64(in + 0);
  s.depth = LoadU32(in + 8);
  const uint8_t version = in[12];
  s.kind = static_cast<TreeKind>(in[13]);
  s.fixed_value_size = LoadU16(in + 14);
  s.entries = LoadU64(in + 16);
  s.branch_pages = LoadU64(in + 24);
  s.leaf_pages = LoadU64(in + 32);
  s.overflow_pages = LoadU64(in + 40);
  char buf[256];
  const bool known_kind = (s.kind == TreeKind::kVariable && s.fixed_value_size == 0) ||
                          (s.kind == TreeKind::kFixed && s.fixed_value_size <= kMaxFixedValueSize &&
                           s.overflow_pages == 0);
  if (version != kTreeStateVersion || !known_kind) {
    std::snprintf(buf, sizeof(buf),
                  "tree state has version %u kind %u value size %u (expected version %u, kind 0 "
                  "or 1); written by a newer Rookery or corrupt",
                  version, in[13], s.fixed_value_size, kTreeStateVersion);
    return Status::Corruption(buf);
  }
  const bool dropped = s.root == kInvalidPage;
  const bool consistent =
      dropped ? (s.depth == 0 && s.entries == 0 && s.leaf_pages == 0 && s.branch_pages == 0 &&
                 s.overflow_pages == 0)
              : (s.depth >= 1 && s.leaf_pages >= 1 && (s.depth > 1 || s.branch_pages == 0) &&
                 (s.depth == 1 || s.branch_pages >= s.depth - 1));
  if (!consistent) {
    std::snprintf(buf, sizeof(buf),
                  "tree state is inconsistent: root %" PRIu64 " depth %u leaf pages %" PRIu64
                  " branch pages %" PRIu64,
                  s.root, s.depth, s.leaf_pages, s.branch_pages);
    return Status::Corruption(buf);
  }
  return s;
}

Status Tree::ValidateKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("B+tree keys must not be empty");
  if (key.size() > kMaxKeySize) {
    return Status::InvalidArgument("B+tree key of " + std::to_string(key.size()) +
                                   " bytes exceeds the maximum of " + std::to_string(kMaxKeySize));
  }
  return Status::Ok();
}

Result<TreeState> Tree::Create(PageAccess& pages) {
  TreeState state;
  Tree tree(pages, &state);
  ROOKERY_ASSIGN_OR_RETURN(state.root, tree.AllocateNodePage(kPageLeaf));
  state.depth = 1;
  return state;
}

Result<const uint8_t*> Tree::ReadNodePage(PageNumber n) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, pages_.GetPage(n));
  ROOKERY_RETURN_IF_ERROR(CheckNodePage(page, n, /*deep=*/false));
  return page;
}

Result<uint8_t*> Tree::WriteNodePage(PageNumber n) {
  return pages_.ModifyPage(n);
}

Result<PageNumber> Tree::AllocateNodePage(uint8_t page_flag) {
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * page, pages_.AllocatePages(1));
  InitNodePage(page, page_flag);
  if (page_flag == kPageLeaf) {
    ++state_->leaf_pages;
  } else {
    ++state_->branch_pages;
  }
  return PageNumberOf(page);
}

Status Tree::FreePageCounted(PageNumber n, bool leaf) {
  ROOKERY_RETURN_IF_ERROR(pages_.FreePage(n));
  if (leaf) {
    --state_->leaf_pages;
  } else {
    --state_->branch_pages;
  }
  return Status::Ok();
}

Status Tree::FreeValue(const LeafValue& v) {
  if (!v.overflow) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(pages_.FreePage(v.overflow_page));
  state_->overflow_pages -= PagesForOverflow(v.size);
  return Status::Ok();
}

Result<PageNumber> Tree::FindLeaf(std::string_view key, std::vector<PathStep>* path,
                                  const uint8_t** leaf_page) {
  if (state_->root == kInvalidPage) return Status::FailedState("the B+tree was dropped");
  if (state_->kind != TreeKind::kVariable) {
    return Status::InvalidArgument("a fixed-size tree must be used through FixedSizeTree");
  }
  PageNumber n = state_->root;
  for (uint32_t level = 0;; ++level) {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, ReadNodePage(n));
    if (IsLeaf(page)) {
      if (level + 1 != state_->depth) {
        return Status::Corruption("B+tree leaf page " + std::to_string(n) + " found at depth " +
                                  std::to_string(level + 1) + ", tree depth is " +
                                  std::to_string(state_->depth));
      }
      if (leaf_page != nullptr) *leaf_page = page;
      return n;
    }
    if (level + 1 >= state_->depth) {
      return Status::Corruption("B+tree branch page " + std::to_string(n) +
                                " found at leaf depth " + std::to_string(state_->depth));
    }
    const size_t slot = BranchChildIndex(page, key);
    if (path) path->push_back({n, slot});
    n = BranchChild(page, slot);
  }
}

Result<bool> Tree::GetView(std::string_view key, std::string_view* value) {
  ROOKERY_RETURN_IF_ERROR(ValidateKey(key));
  const uint8_t* page = nullptr;
  ROOKERY_RETURN_IF_ERROR(FindLeaf(key, nullptr, &page).status());
  bool exact = false;
  const size_t i = LeafLowerBound(page, key, &exact);
  if (!exact) return false;
  const LeafValue v = LeafValueAt(page, i);
  if (!v.overflow) {
    *value = std::string_view(reinterpret_cast<const char*>(v.inline_data), v.size);
    return true;
  }
  ROOKERY_ASSIGN_OR_RETURN(*value, ReadOverflow(pages_, v.overflow_page, v.size));
  return true;
}

Result<bool> Tree::Get(std::string_view key, std::string* value) {
  std::string_view view;
  ROOKERY_ASSIGN_OR_RETURN(bool found, GetView(key, &view));
  if (found) value->assign(view.data(), view.size());
  return found;
}

Result<std::string> Tree::EncodeLeafEntry(std::string_view key, std::string_view value) {
  std::string node;
  if (value.size() <= kMaxInlineValueSize) {
    EncodeLeafInline(&node, key, value);
    return node;
  }
  ROOKERY_ASSIGN_OR_RETURN(PageNumber first, WriteOverflow(pages_, value));
  state_->overflow_pages += PagesForOverflow(value.size());
  EncodeLeafOverflow(&node, key, static_cast<uint32_t>(value.size()), first);
  return node;
}

Status Tree::Put(std::string_view key, std::string_view value) {
  ROOKERY_RETURN_IF_ERROR(ValidateKey(key));
  if (value.size() > kMaxValueSize) {
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes exceeds the maximum of " +
                                   std::to_string(kMaxValueSize));
  }
  std::vector<PathStep>& path = path_;
  path.clear();
  const uint8_t* page = nullptr;
  ROOKERY_ASSIGN_OR_RETURN(PageNumber leaf, FindLeaf(key, &path, &page));
  bool exact = false;
  const size_t index = LeafLowerBound(page, key, &exact);
  if (exact) {
    const LeafValue old = LeafValueAt(page, index);
    if (!old.overflow && old.size == value.size()) {
      // Same-size inline replace: overwrite in place, no reshuffling.
      ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, WriteNodePage(leaf));
      uint8_t* dst = const_cast<uint8_t*>(LeafValueAt(w, index).inline_data);
      if (!value.empty()) std::memcpy(dst, value.data(), value.size());
      return Status::Ok();
    }
    // Encode (and allocate any new run) before touching the old entry, so that a failure leaves
    // the old value in place.
    ROOKERY_ASSIGN_OR_RETURN(std::string node, EncodeLeafEntry(key, value));
    ROOKERY_RETURN_IF_ERROR(FreeValue(old));
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, WriteNodePage(leaf));
    RemoveNode(w, index);
    return InsertAt(path, path.size(), leaf, index, std::move(node));
  }
  if (value.size() <= kMaxInlineValueSize && Fits(page, LeafInlineNodeSize(key, value))) {
    // The common insert: no split, so the node is encoded straight into the page (no
    // intermediate string, one copy of the value).
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, WriteNodePage(leaf));
    uint8_t* at = ReserveNode(w, index, LeafInlineNodeSize(key, value));
    if (at == nullptr) return Status::Internal("B+tree leaf lost its room during an insert");
    EncodeLeafInlineAt(at, key, value);
    ++state_->entries;
    return Status::Ok();
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string node, EncodeLeafEntry(key, value));
  ++state_->entries;
  return InsertAt(path, path.size(), leaf, index, std::move(node));
}

namespace {

std::string_view KeyOfNode(const std::string& node, bool leaf) {
  const size_t header = leaf ? kLeafNodeHeaderSize : kBranchNodeHeaderSize;
  return std::string_view(node).substr(header, LoadU16(node.data() + 1));
}

// Chooses where to split `nodes` (all entries of an overfull page including the new one at
// `inserted`): entries [0, m) stay, [m, N) move right. Splits by bytes so variable sizes work.
// Appending at the page end leaves the old page full and starts a new one with just the new
// entry, which keeps pages full under ascending inserts (ids, etags), as Voron does.
size_t ChooseSplit(const std::vector<std::string>& nodes, size_t inserted, bool leaf) {
  const size_t n = nodes.size();
  if (inserted == n - 1) return n - 1;
  if (inserted == 0 && leaf) return 1;
  std::vector<size_t> prefix(n + 1, 0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + nodes[i].size() + kSlotSize;
  size_t best = 1;
  size_t best_cost = SIZE_MAX;
  for (size_t m = 1; m < n; ++m) {
    const size_t left = prefix[m];
    size_t right = prefix[n] - prefix[m];
    if (!leaf) right -= KeyOfNode(nodes[m], false).size();  // its key moves up
    if (left > kPageBodySize || right > kPageBodySize) continue;
    const size_t cost = std::max(left, right);
    if (cost < best_cost) {
      best_cost = cost;
      best = m;
    }
  }
  return best;
}

}  // namespace

Status Tree::InsertAt(std::vector<PathStep>& path, size_t level, PageNumber n, size_t index,
                      std::string node) {
  for (;;) {
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * page, WriteNodePage(n));
    if (InsertNode(page, index, node)) return Status::Ok();

    // Split: gather everything, choose the split point, rebuild the left half in place (same
    // page number, so the parent's pointer stays right) and the right half in a new page.
    const bool leaf = IsLeaf(page);
    const uint8_t flag = leaf ? kPageLeaf : kPageBranch;
    std::vector<std::string> nodes;
    nodes.reserve(EntryCount(page) + 1);
    CollectNodes(page, &nodes);
    nodes.insert(nodes.begin() + static_cast<ptrdiff_t>(index), std::move(node));
    const size_t m = ChooseSplit(nodes, index, leaf);
    std::string separator;
    if (leaf) {
      separator = ShortestSeparator(KeyOfNode(nodes[m - 1], true), KeyOfNode(nodes[m], true));
    } else {
      separator = std::string(KeyOfNode(nodes[m], false));
      nodes[m] = BranchNodeWithKey(reinterpret_cast<const uint8_t*>(nodes[m].data()), {});
    }
    ROOKERY_ASSIGN_OR_RETURN(PageNumber right, AllocateNodePage(flag));
    // Allocation may move pages in memory: re-fetch both.
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * left_page, WriteNodePage(n));
    RebuildPage(left_page, flag, nodes, 0, m);
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * right_page, WriteNodePage(right));
    RebuildPage(right_page, flag, nodes, m, nodes.size());

    std::string up;
    EncodeBranch(&up, separator, right);
    if (level == 0) {
      // The root split: a new root with two children.
      ROOKERY_ASSIGN_OR_RETURN(PageNumber root, AllocateNodePage(kPageBranch));
      ROOKERY_ASSIGN_OR_RETURN(uint8_t * root_page, WriteNodePage(root));
      std::string first;
      EncodeBranch(&first, {}, n);
      if (!InsertNode(root_page, 0, first) || !InsertNode(root_page, 1, up)) {
        return Status::Internal("a new B+tree root cannot hold two entries");
      }
      state_->root = root;
      ++state_->depth;
      return Status::Ok();
    }
    --level;
    n = path[level].page;
    index = path[level].slot + 1;
    node = std::move(up);
  }
}

}  // namespace rookery::storage

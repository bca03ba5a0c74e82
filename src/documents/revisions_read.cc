// Revisions: the configuration entry point and the reads (by id, change vector, time, the bin).
#include <charconv>

#include "documents/database_impl.h"
#include "documents/ids.h"

namespace rookery::documents {
namespace {

// The revision trees of one read snapshot.
struct RevisionsView {
  std::unique_ptr<storage::StoreReadTransaction> txn;
  storage::Tree* revisions = nullptr;
  storage::Tree* by_etag = nullptr;
  storage::Tree* bin = nullptr;

  static Result<RevisionsView> Begin(storage::Store& store) {
    RevisionsView v;
    ROOKERY_ASSIGN_OR_RETURN(v.txn, store.BeginRead());
    ROOKERY_ASSIGN_OR_RETURN(v.revisions, v.txn->OpenTree(layout::kRevisionsTree));
    ROOKERY_ASSIGN_OR_RETURN(v.by_etag, v.txn->OpenTree(layout::kRevisionsByEtagTree));
    ROOKERY_ASSIGN_OR_RETURN(v.bin, v.txn->OpenTree(layout::kRevisionsBinTree));
    return v;
  }

  Result<std::optional<Document>> ByKey(std::string_view key) {
    std::string_view bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, revisions->GetView(key, &bytes));
    if (!found) return std::optional<Document>();
    ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(bytes, key));
    return std::optional<Document>(ToDocument(r.doc));
  }

  Result<std::optional<Document>> ByEtag(uint64_t etag) {
    std::string key;
    ROOKERY_ASSIGN_OR_RETURN(bool found, by_etag->Get(layout::EtagKey(etag), &key));
    if (!found) return std::optional<Document>();
    return ByKey(key);
  }

  // Calls fn(record) for the revisions of `id`, newest first, until it returns false.
  template <typename Fn>
  Status ForEachNewestFirst(std::string_view id, Fn fn) {
    if (id.empty() || id.size() > kMaxIdSize) return Status::Ok();
    const std::string prefix = layout::RevisionIdPrefix(Lower(id));
    storage::TreeIterator it = txn->Iterate(revisions);
    for (it.SeekForPrev(prefix + std::string(8, '\xff'));
         it.Valid() && it.key().starts_with(prefix); it.Prev()) {
      ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(it.value(), it.key()));
      if (!fn(r)) break;
    }
    return it.status();
  }

  Result<uint64_t> Count(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdSize) return uint64_t{0};
    const std::string prefix = layout::RevisionIdPrefix(Lower(id));
    storage::TreeIterator it = txn->Iterate(revisions);
    it.Seek(prefix);
    const std::string end = prefix + std::string(9, '\xff');  // above every key of the id
    uint64_t n = it.CountUntil(std::string_view(end));
    ROOKERY_RETURN_IF_ERROR(it.status());
    return n;
  }
};

// The etag a change vector of this database names: "<tag>:<etag>-<database id>".
std::optional<uint64_t> EtagOfChangeVector(std::string_view cv, std::string_view database_id) {
  const size_t colon = cv.find(':');
  const size_t dash = cv.find('-', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || dash == std::string_view::npos) return std::nullopt;
  if (cv.substr(dash + 1) != database_id) return std::nullopt;
  uint64_t etag = 0;
  const char* first = cv.data() + colon + 1;
  const char* last = cv.data() + dash;
  auto [ptr, ec] = std::from_chars(first, last, etag);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return etag;
}

}  // namespace

Status DatabaseImpl::ConfigureRevisions(const RevisionsConfig& config) {
  auto shared = std::make_shared<const RevisionsConfig>(config);
  return merger_->Execute([&](MergedTransaction& txn) -> Status {
    return static_cast<WriteContext&>(txn).SetRevisionsConfig(shared);
  });
}

Result<std::optional<json::Value>> DatabaseImpl::RevisionsConfigJson() {
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(layout::kMetaTree));
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(layout::kRevisionsConfigKey, &value));
  if (!found) return std::optional<json::Value>();
  ROOKERY_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
  return std::optional<json::Value>(std::move(v));
}

Result<RevisionsPage> DatabaseImpl::GetRevisions(std::string_view id, uint64_t start,
                                                 uint64_t page_size) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, RevisionsView::Begin(*store_));
  RevisionsPage page;
  ROOKERY_ASSIGN_OR_RETURN(page.total, view.Count(id));
  uint64_t skipped = 0;
  ROOKERY_RETURN_IF_ERROR(view.ForEachNewestFirst(id, [&](const layout::RevisionRecord& r) {
    if (skipped < start) {
      ++skipped;
      return true;
    }
    if (page.revisions.size() >= page_size) return false;
    page.revisions.push_back(ToDocument(r.doc));
    return true;
  }));
  return page;
}

Result<std::vector<std::optional<Document>>> DatabaseImpl::GetRevisionsByChangeVector(
    const std::vector<std::string>& change_vectors) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, RevisionsView::Begin(*store_));
  std::vector<std::optional<Document>> out;
  for (const std::string& cv : change_vectors) {
    std::optional<uint64_t> etag = EtagOfChangeVector(cv, info_.database_id);
    if (!etag) {
      out.emplace_back();
      continue;
    }
    ROOKERY_ASSIGN_OR_RETURN(auto doc, view.ByEtag(*etag));
    if (doc && doc->change_vector != cv) doc.reset();  // another node tag
    out.push_back(std::move(doc));
  }
  return out;
}

Result<std::optional<Document>> DatabaseImpl::GetRevisionBefore(std::string_view id,
                                                                int64_t micros) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, RevisionsView::Begin(*store_));
  std::optional<Document> out;
  ROOKERY_RETURN_IF_ERROR(view.ForEachNewestFirst(id, [&](const layout::RevisionRecord& r) {
    if (static_cast<int64_t>(r.doc.last_modified_micros) > micros) return true;
    out = ToDocument(r.doc);
    return false;
  }));
  return out;
}

Result<uint64_t> DatabaseImpl::CountRevisions(std::string_view id) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, RevisionsView::Begin(*store_));
  return view.Count(id);
}

Result<std::vector<Document>> DatabaseImpl::GetRevisionsBin(uint64_t start, uint64_t page_size) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, RevisionsView::Begin(*store_));
  std::vector<Document> out;
  storage::TreeIterator it = view.txn->Iterate(view.bin);
  uint64_t skipped = 0;
  for (it.SeekToLast(); it.Valid() && out.size() < page_size; it.Prev()) {
    if (skipped < start) {
      ++skipped;
      continue;
    }
    const std::string key(it.value());
    ROOKERY_ASSIGN_OR_RETURN(auto doc, view.ByKey(key));
    if (!doc) return Status::Corruption("revisions bin names a missing revision");
    out.push_back(std::move(*doc));
  }
  ROOKERY_RETURN_IF_ERROR(it.status());
  return out;
}

}  // namespace rookery::documents

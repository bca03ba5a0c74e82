#include "storage/store.h"

#include <algorithm>
#include <cstring>

namespace rookery::storage {
namespace {

// Root record layout (docs/formats/catalog.md): [0,48) catalog TreeState, [48] catalog format
// version (0 = no catalog yet), the rest zero.
constexpr size_t kCatalogVersionOffset = kTreeStateSize;
constexpr uint8_t kCatalogVersion = 1;

Status ValidateName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("a tree name must not be empty");
  if (name.size() > kMaxTreeNameSize) {
    return Status::InvalidArgument("tree name of " + std::to_string(name.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(kMaxTreeNameSize));
  }
  return Status::Ok();
}

}  // namespace

StoreTransaction::StoreTransaction(PageAccess& pages,
                                   std::span<const uint8_t, kRootRecordSize> root)
    : pages_(pages) {
  const uint8_t version = root[kCatalogVersionOffset];
  if (version == 0) return;
  if (version != kCatalogVersion) {
    catalog_status_ =
        Status::Corruption("root record has unknown catalog version " + std::to_string(version));
    return;
  }
  auto decoded = DecodeTreeState(root.data());
  if (!decoded.ok()) {
    catalog_status_ = decoded.status().WithContext("catalog state in the root record");
    return;
  }
  catalog_ = *decoded;
  has_catalog_ = true;
}

Result<StoreTransaction::OpenedTree*> StoreTransaction::Load(std::string_view name) {
  ROOKERY_RETURN_IF_ERROR(CheckCatalog());
  ROOKERY_RETURN_IF_ERROR(ValidateName(name));
  auto it = open_.find(name);
  if (it != open_.end()) return it->second.get();
  if (!has_catalog_) return static_cast<OpenedTree*>(nullptr);
  Tree catalog(pages_, &catalog_);
  std::string encoded;
  ROOKERY_ASSIGN_OR_RETURN(bool found, catalog.Get(name, &encoded));
  if (!found) return static_cast<OpenedTree*>(nullptr);
  if (encoded.size() != kTreeStateSize) {
    return Status::Corruption("catalog entry for tree '" + std::string(name) + "' has " +
                              std::to_string(encoded.size()) + " bytes, expected " +
                              std::to_string(kTreeStateSize));
  }
  auto state = DecodeTreeState(reinterpret_cast<const uint8_t*>(encoded.data()));
  if (!state.ok())
    return state.status().WithContext("catalog entry for '" + std::string(name) + "'");
  auto opened = std::make_unique<OpenedTree>();
  opened->state = opened->original = *state;
  opened->tree = std::make_unique<Tree>(pages_, &opened->state);
  OpenedTree* raw = opened.get();
  open_.emplace(std::string(name), std::move(opened));
  return raw;
}

Result<Tree*> StoreTransaction::OpenTree(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(OpenedTree * opened, Load(name));
  if (opened == nullptr) return Status::NotFound("no tree named '" + std::string(name) + "'");
  return opened->tree.get();
}

Result<bool> StoreTransaction::TreeExists(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(OpenedTree * opened, Load(name));
  return opened != nullptr;
}

Result<std::vector<std::string>> StoreTransaction::ListTrees() {
  ROOKERY_RETURN_IF_ERROR(CheckCatalog());
  std::vector<std::string> names;
  if (has_catalog_) {
    TreeIterator it(pages_, catalog_);
    for (it.SeekToFirst(); it.Valid(); it.Next()) names.emplace_back(it.key());
    ROOKERY_RETURN_IF_ERROR(it.status());
  }
  // Trees created in this transaction are in the catalog only at commit.
  for (const auto& [name, opened] : open_) {
    if (opened->original.root == kInvalidPage &&
        std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

StoreReadTransaction::StoreReadTransaction(std::unique_ptr<ReadTransaction> txn)
    : StoreTransaction(*txn, txn->root_record()), txn_(std::move(txn)) {}

StoreWriteTransaction::StoreWriteTransaction(std::unique_ptr<WriteTransaction> txn)
    : StoreTransaction(*txn, txn->root_record()), txn_(std::move(txn)) {}

Status StoreWriteTransaction::EnsureCatalog() {
  ROOKERY_RETURN_IF_ERROR(CheckCatalog());
  if (has_catalog_) return Status::Ok();
  ROOKERY_ASSIGN_OR_RETURN(catalog_, Tree::Create(pages_));
  has_catalog_ = true;
  return Status::Ok();
}

Result<Tree*> StoreWriteTransaction::CreateTree(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(OpenedTree * existing, Load(name));
  if (existing != nullptr) {
    return Status::AlreadyExists("a tree named '" + std::string(name) + "' exists");
  }
  ROOKERY_RETURN_IF_ERROR(EnsureCatalog());
  auto opened = std::make_unique<OpenedTree>();
  ROOKERY_ASSIGN_OR_RETURN(opened->state, Tree::Create(pages_));
  // `original` stays default (root invalid): the tree is new and must reach the catalog.
  opened->tree = std::make_unique<Tree>(pages_, &opened->state);
  Tree* tree = opened->tree.get();
  open_[std::string(name)] = std::move(opened);
  return tree;
}

Result<Tree*> StoreWriteTransaction::OpenOrCreateTree(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(OpenedTree * existing, Load(name));
  if (existing != nullptr) return existing->tree.get();
  return CreateTree(name);
}

Status StoreWriteTransaction::DropTree(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(OpenedTree * opened, Load(name));
  if (opened == nullptr) return Status::NotFound("no tree named '" + std::string(name) + "'");
  ROOKERY_RETURN_IF_ERROR(opened->tree->Drop());
  const bool in_catalog = opened->original.root != kInvalidPage;
  open_.erase(open_.find(name));
  if (in_catalog) {
    Tree catalog(pages_, &catalog_);
    ROOKERY_ASSIGN_OR_RETURN(bool removed, catalog.Delete(name));
    if (!removed) return Status::Internal("tree '" + std::string(name) + "' vanished from catalog");
  }
  return Status::Ok();
}

Status StoreWriteTransaction::Commit() {
  Status s = [&]() -> Status {
    ROOKERY_RETURN_IF_ERROR(CheckCatalog());
    bool catalog_changed = false;
    for (const auto& [name, opened] : open_) {
      if (opened->state == opened->original) continue;
      ROOKERY_RETURN_IF_ERROR(EnsureCatalog());
      uint8_t encoded[kTreeStateSize];
      EncodeTreeState(opened->state, encoded);
      Tree catalog(pages_, &catalog_);
      ROOKERY_RETURN_IF_ERROR(catalog.Put(
          name, std::string_view(reinterpret_cast<const char*>(encoded), kTreeStateSize)));
      catalog_changed = true;
    }
    auto current = txn_->root_record();
    uint8_t root[kRootRecordSize] = {};
    if (has_catalog_) {
      EncodeTreeState(catalog_, root);
      root[kCatalogVersionOffset] = kCatalogVersion;
    }
    if (catalog_changed || std::memcmp(root, current.data(), kRootRecordSize) != 0) {
      txn_->set_root_record(std::span<const uint8_t, kRootRecordSize>(root, kRootRecordSize));
    }
    return Status::Ok();
  }();
  if (!s.ok()) {
    txn_->Abort();
    return s;
  }
  return txn_->Commit();
}

Result<std::unique_ptr<Store>> Store::Open(platform::Env& env, std::string dir,
                                           EnvironmentOptions options) {
  ROOKERY_ASSIGN_OR_RETURN(auto environment,
                           StorageEnvironment::Open(env, std::move(dir), std::move(options)));
  return std::unique_ptr<Store>(new Store(std::move(environment)));
}

Result<std::unique_ptr<StoreReadTransaction>> Store::BeginRead() {
  ROOKERY_ASSIGN_OR_RETURN(auto txn, env_->BeginRead());
  return std::unique_ptr<StoreReadTransaction>(new StoreReadTransaction(std::move(txn)));
}

Result<std::unique_ptr<StoreWriteTransaction>> Store::BeginWrite() {
  ROOKERY_ASSIGN_OR_RETURN(auto txn, env_->BeginWrite());
  return std::unique_ptr<StoreWriteTransaction>(new StoreWriteTransaction(std::move(txn)));
}

Result<StoreReport> Store::Report() {
  StoreReport report;
  report.environment = env_->Report();
  ROOKERY_ASSIGN_OR_RETURN(auto txn, BeginRead());
  ROOKERY_RETURN_IF_ERROR(txn->CheckCatalog());
  if (!txn->has_catalog_) return report;
  report.catalog = txn->catalog_;
  TreeIterator it(txn->pages(), txn->catalog_);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    if (it.value().size() != kTreeStateSize) {
      return Status::Corruption("catalog entry for '" + std::string(it.key()) + "' is malformed");
    }
    ROOKERY_ASSIGN_OR_RETURN(TreeState state,
                             DecodeTreeState(reinterpret_cast<const uint8_t*>(it.value().data())));
    report.trees.push_back(TreeInfo{std::string(it.key()), state});
  }
  ROOKERY_RETURN_IF_ERROR(it.status());
  return report;
}

}  // namespace rookery::storage

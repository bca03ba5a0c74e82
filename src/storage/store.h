// Store: named B+trees on a StorageEnvironment — the storage engine's public face.
//
// The catalog is itself a B+tree mapping each tree's name to its encoded TreeState; the catalog's
// own state lives in the environment's root record, so one commit replaces the whole set of trees
// atomically (docs/formats/catalog.md). Everything below (pages, MVCC, journal, flush, sync,
// recovery) is StorageEnvironment's; everything above (documents, indexes) sees only names, keys
// and values.
//
// Usage:
//   ROOKERY_ASSIGN_OR_RETURN(auto txn, store->BeginWrite());
//   ROOKERY_ASSIGN_OR_RETURN(Tree* users, txn->OpenOrCreateTree("users"));
//   ROOKERY_RETURN_IF_ERROR(users->Put("users/1", "{...}"));
//   ROOKERY_RETURN_IF_ERROR(txn->Commit());   // durable when OK
//
// Threads: the Store is thread-safe; a transaction and the Tree pointers it hands out belong to
// one thread and die with the transaction. Tree pointers stay valid until the transaction ends or
// the tree is dropped.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "platform/env.h"
#include "storage/btree.h"
#include "storage/btree_iterator.h"
#include "storage/environment.h"
#include "storage/transaction.h"

namespace rookery::storage {

inline constexpr size_t kMaxTreeNameSize = 512;

struct TreeInfo {
  std::string name;
  TreeState state;
  uint64_t bytes() const {
    return (state.branch_pages + state.leaf_pages + state.overflow_pages) * kPageSize;
  }
};

struct StoreReport {
  StorageReport environment;
  std::vector<TreeInfo> trees;  // sorted by name
  TreeState catalog;
};

// What both kinds of transaction share: looking trees up by name.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  StoreTransaction(const StoreTransaction&) = delete;
  StoreTransaction& operator=(const StoreTransaction&) = delete;

  // The named tree, or kNotFound.
  Result<Tree*> OpenTree(std::string_view name);
  Result<bool> TreeExists(std::string_view name);
  Result<std::vector<std::string>> ListTrees();
  // An iterator over a tree opened in this transaction (invalidated by writes to that tree).
  TreeIterator Iterate(Tree* tree) { return TreeIterator(pages_, tree->stats()); }
  PageAccess& pages() { return pages_; }
  virtual uint64_t tx_id() const = 0;

 protected:
  StoreTransaction(PageAccess& pages, std::span<const uint8_t, kRootRecordSize> root);

  struct OpenedTree {
    TreeState state;
    TreeState original;
    std::unique_ptr<Tree> tree;
  };

  Status CheckCatalog() const { return catalog_status_; }
  Result<OpenedTree*> Load(std::string_view name);  // nullptr if absent

  PageAccess& pages_;
  bool has_catalog_ = false;
  TreeState catalog_;
  Status catalog_status_;
  std::map<std::string, std::unique_ptr<OpenedTree>, std::less<>> open_;
};

class StoreReadTransaction final : public StoreTransaction {
 public:
  uint64_t tx_id() const override { return txn_->tx_id(); }

 private:
  friend class Store;
  explicit StoreReadTransaction(std::unique_ptr<ReadTransaction> txn);
  std::unique_ptr<ReadTransaction> txn_;
};

class StoreWriteTransaction final : public StoreTransaction {
 public:
  uint64_t tx_id() const override { return txn_->tx_id(); }

  // kAlreadyExists if the name is taken; kInvalidArgument for an empty or over-long name.
  Result<Tree*> CreateTree(std::string_view name);
  Result<Tree*> OpenOrCreateTree(std::string_view name);
  // Frees every page of the tree and removes its name; Tree pointers to it become invalid.
  // kNotFound if absent.
  Status DropTree(std::string_view name);

  // Stores the changed tree states in the catalog and the catalog in the root record, then
  // commits: OK means durable. The transaction is finished either way.
  Status Commit();
  void Abort() { txn_->Abort(); }

 private:
  friend class Store;
  explicit StoreWriteTransaction(std::unique_ptr<WriteTransaction> txn);
  Status EnsureCatalog();
  std::unique_ptr<WriteTransaction> txn_;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(platform::Env& env, std::string dir,
                                             EnvironmentOptions options = {});

  Result<std::unique_ptr<StoreReadTransaction>> BeginRead();
  // Blocks while another write transaction is active.
  Result<std::unique_ptr<StoreWriteTransaction>> BeginWrite();

  // Environment figures plus bytes, entries and pages per tree.
  Result<StoreReport> Report();
  StorageEnvironment& environment() { return *env_; }

 private:
  explicit Store(std::unique_ptr<StorageEnvironment> env) : env_(std::move(env)) {}
  std::unique_ptr<StorageEnvironment> env_;
};

}  // namespace rookery::storage

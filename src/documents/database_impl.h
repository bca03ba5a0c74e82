// The concrete Database (database.h) and the write context its merged transactions run in.
// Internal to the documents layer; tests include it for the merger's pause/resume.
//
// Split by concern: database.cc (open, reads, stats), write_context.cc (one merged storage
// transaction with cached trees and the etag counter), document_store.cc (PUT and DELETE),
// starts_with.cc (prefix listing), hilo.cc (HiLo ranges), revisions_config.cc,
// revisions_store.cc, revisions_read.cc and revert.cc (revisions, docs/design/revisions.md).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "documents/database.h"
#include "documents/layout.h"
#include "documents/merger.h"
#include "storage/store.h"

namespace rookery::documents {

// Publishes committed etags: the lock-free last etag and the write observer.
class CommitNotifier {
 public:
  uint64_t last_etag() const { return last_etag_.load(std::memory_order_acquire); }
  void Committed(uint64_t last_etag);
  void SetObserver(std::function<void(uint64_t)> observer);
  void Reset(uint64_t last_etag) { last_etag_.store(last_etag, std::memory_order_release); }

 private:
  std::atomic<uint64_t> last_etag_{0};
  std::mutex mu_;
  std::function<void(uint64_t)> observer_;
};

// The revisions configuration in force: replaced on the writer thread after the commit that
// stored a new one, read by every write transaction at its begin.
class RevisionsConfigHolder {
 public:
  std::shared_ptr<const RevisionsConfig> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return config_;
  }
  void Set(std::shared_ptr<const RevisionsConfig> config) {
    std::lock_guard<std::mutex> lock(mu_);
    config_ = std::move(config);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const RevisionsConfig> config_;  // null: no revisions anywhere
};

// What a write needs to know about its database; fixed after open.
struct DatabaseInfo {
  platform::Env* env = nullptr;
  std::string node_tag;
  std::string database_id;
  CommitNotifier* notifier = nullptr;          // owned by the database
  RevisionsConfigHolder* revisions = nullptr;  // owned by the database
};

// A document record copied out of the store (the layout's views point into `bytes`).
struct StoredDocument {
  StoredDocument() = default;
  StoredDocument(const StoredDocument&) = delete;
  StoredDocument& operator=(const StoredDocument&) = delete;
  std::string bytes;
  layout::DocumentRecord record;
};

// One merged storage write transaction. The etag counter lives here (loaded at begin, stored at
// commit), so an aborted transaction leaves no trace anywhere.
class WriteContext final : public MergedTransaction {
 public:
  static Result<std::unique_ptr<WriteContext>> Begin(storage::Store& store,
                                                     const DatabaseInfo& info);
  Status Commit() override;
  void Abort() override;

  const DatabaseInfo& info() const { return info_; }
  uint64_t last_etag() const { return last_etag_; }
  uint64_t NextEtag() { return ++last_etag_; }
  // The next identity of `prefix` (already lowered), persisted in the meta tree.
  Result<uint64_t> NextIdentity(std::string_view lowered_prefix);

  // Fills *doc (whose record views its bytes: do not copy or move it) if the document exists.
  Result<bool> LoadDocument(std::string_view lowered_id, StoredDocument* doc);

  // A collection's document count as this transaction has changed it so far. Counts are read
  // from the collections tree on first use and written back once, at Commit (a Get and a Put per
  // collection and transaction instead of per document). count 0: no entry.
  struct CollectionCount {
    uint64_t count = 0;
    std::string name;  // as first written (the tree's value)
  };
  Result<CollectionCount*> CollectionCountOf(const std::string& lowered_name);

  storage::Tree* docs = nullptr;
  storage::Tree* docs_by_etag = nullptr;
  storage::Tree* tombstones = nullptr;
  storage::Tree* tombstones_by_etag = nullptr;
  storage::Tree* collections = nullptr;
  storage::Tree* meta = nullptr;
  storage::Tree* revisions = nullptr;
  storage::Tree* revisions_by_etag = nullptr;
  storage::Tree* revisions_bin = nullptr;

  storage::StoreWriteTransaction& txn() { return *txn_; }
  // The revision settings of `collection` in this transaction (a configuration stored earlier in
  // it included); nullptr when its writes keep no revisions.
  const CollectionRevisionsConfig* RevisionsFor(std::string_view collection) const {
    const RevisionsConfig* c = pending_config_ ? pending_config_.get() : config_.get();
    return c != nullptr ? c->For(collection) : nullptr;
  }
  // Stores the configuration in meta; it is published to later transactions by Commit.
  Status SetRevisionsConfig(std::shared_ptr<const RevisionsConfig> config);

 private:
  WriteContext(std::unique_ptr<storage::StoreWriteTransaction> txn, const DatabaseInfo& info)
      : txn_(std::move(txn)), info_(info) {}
  std::unique_ptr<storage::StoreWriteTransaction> txn_;
  const DatabaseInfo& info_;
  uint64_t last_etag_ = 0;
  uint64_t loaded_etag_ = 0;
  std::shared_ptr<const RevisionsConfig> config_;
  std::shared_ptr<const RevisionsConfig> pending_config_;
  std::unordered_map<std::string, CollectionCount> collection_counts_;  // by lowered name
};

// The stored JSON of a PUT in two parts (PreparedDocument's head and tail, without the
// collection): everything the client sent, serialized (with the client's own metadata members),
// around the place where the server-owned metadata goes. Runs in the caller's thread so that the
// merger's single writer only splices (FinishJson).
PreparedDocument PrepareJson(const json::Value& document);  // `document` is an object
// Appends the finished JSON to *out; FinishedJsonSize is enough room for it.
void FinishJson(const PreparedDocument& prepared, const std::string& id,
                const std::string& change_vector, const std::string& last_modified,
                const std::string& flags, std::string* out);
size_t FinishedJsonSize(const PreparedDocument& prepared, const std::string& id,
                        const std::string& change_vector);

// Command execution inside a write context (document_store.cc). `prepared`, when not null, is
// PrepareJson(command.document); ignored when the command carries its own.
Result<PutResult> ExecutePut(WriteContext& ctx, const PutCommand& command,
                             const PreparedDocument* prepared = nullptr);
Result<DeleteResult> ExecuteDelete(WriteContext& ctx, const DeleteCommand& command);
// Either of the above, appending the result.
Status ExecuteCommand(WriteContext& ctx, const Command& command, const PreparedDocument* prepared,
                      std::vector<CommandResult>* results);
// Adds `delta` (+1 / -1) to the count of `collection` (stored when the transaction commits).
Status AdjustCollection(WriteContext& ctx, std::string_view collection, int delta);

Document ToDocument(const layout::DocumentRecord& record);

// Revision bookkeeping inside a write (revisions_store.cc).
// The @flags a PUT of `lower_id` gets: "HasRevisions" when the write stores a revision
// (`config` set) or the document keeps earlier ones.
Result<std::string> FlagsForPut(WriteContext& ctx, std::string_view lower_id,
                                const StoredDocument* current,
                                const CollectionRevisionsConfig* config);
// After a PUT wrote `record` (created = no live document before): drops the id's bin entry and,
// with `config`, stores the revision and trims older ones.
Status RevisionsAfterPut(WriteContext& ctx, std::string_view lower_id,
                         const layout::DocumentRecord& record, const PreparedDocument& prepared,
                         bool created, const CollectionRevisionsConfig* config);
// After a DELETE of the live document `deleted` with tombstone etag/change vector/time: purges
// the history (PurgeOnDelete) or stores a delete revision and the bin entry.
Status RevisionsAfterDelete(WriteContext& ctx, std::string_view lower_id,
                            const layout::DocumentRecord& deleted, uint64_t etag,
                            const std::string& change_vector, uint64_t now,
                            const CollectionRevisionsConfig* config);
// "a, b" flag lists.
bool HasFlag(std::string_view flags, std::string_view flag);

class DatabaseImpl final : public Database {
 public:
  static Result<std::unique_ptr<DatabaseImpl>> OpenImpl(platform::Env& env, std::string dir,
                                                        DatabaseOptions options);
  ~DatabaseImpl() override;

  const std::string& database_id() const override { return info_.database_id; }
  Result<std::vector<CommandResult>> Execute(std::vector<Command> commands) override;
  Result<std::vector<CommandResult>> ExecuteStreaming(
      CommandStream& stream, const std::function<void()>& produce) override;
  Result<std::optional<Document>> Get(std::string_view id) override;
  Result<std::vector<std::optional<Document>>> GetMany(
      const std::vector<std::string>& ids) override;
  Result<std::vector<std::optional<std::string>>> GetJsonMany(
      const std::vector<std::string>& ids) override;
  Result<std::vector<Document>> GetStartingWith(const StartsWithQuery& query) override;
  Result<HiLoRange> NextHiLo(const HiLoRequest& request) override;
  Status ReturnHiLo(std::string_view tag, uint64_t end, uint64_t last) override;
  Result<DatabaseStats> Stats() override;
  Result<ChangeBatch> ReadChanges(uint64_t after_etag, std::string_view collection,
                                  size_t limit) override;
  Status ReadChangesInto(uint64_t after_etag, std::string_view collection, size_t limit,
                         ChangeBatch* batch) override;
  uint64_t LastEtag() const override { return notifier_.last_etag(); }
  void SetWriteObserver(std::function<void(uint64_t)> observer) override {
    notifier_.SetObserver(std::move(observer));
  }

  Status ConfigureRevisions(const RevisionsConfig& config) override;
  Result<std::optional<json::Value>> RevisionsConfigJson() override;
  Result<RevisionsPage> GetRevisions(std::string_view id, uint64_t start,
                                     uint64_t page_size) override;
  Result<std::vector<std::optional<Document>>> GetRevisionsByChangeVector(
      const std::vector<std::string>& change_vectors) override;
  Result<std::optional<Document>> GetRevisionBefore(std::string_view id, int64_t micros) override;
  Result<uint64_t> CountRevisions(std::string_view id) override;
  Result<std::vector<Document>> GetRevisionsBin(uint64_t start, uint64_t page_size) override;
  Result<RevertResult> RevertRevisions(
      const RevertRequest& request,
      const std::function<void(const RevertResult&)>& progress) override;

  TransactionMerger& merger() { return *merger_; }
  storage::Store& store() { return *store_; }

 private:
  DatabaseImpl(std::unique_ptr<storage::Store> store, DatabaseInfo info);
  Status Initialize();  // creates the trees, the format marker and the database id

  std::unique_ptr<storage::Store> store_;
  CommitNotifier notifier_;
  RevisionsConfigHolder revisions_config_;
  DatabaseInfo info_;
  std::unique_ptr<TransactionMerger> merger_;
};

}  // namespace rookery::documents

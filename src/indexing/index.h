// Index: one index's storage (its own storage environment in its own directory) and the
// operations on it: applying document changes, reading snapshots, progress and waiting.
//
// Storage (docs/formats/index.md): a `meta` tree (definition, covered etag, creation time);
// for kAutoMap an `entries` tree (lower id -> the entry: the values of every indexed path) and
// one term tree per path (`terms/<path>`: term key + lower id); for kAutoMapReduce an `entries`
// tree (lower id -> the document's group and its contributions) and a `reduce` tree (group ->
// count and sums). Apply writes a batch of changes and the new covered etag in ONE durable
// transaction, so after a crash indexing resumes exactly where the last commit left it.
//
// JavaScript indexes (docs/design/js-indexes.md): `js-docs` (per source document: what it
// produced and loaded), `entries` (map: lower id + entry number -> entry), `js-map` and
// `js-results` (map-reduce: entries by group, one reduce record per group), `js-refs` (load()
// edges), `js-errors` and the `js-stats`/`errored` meta keys (user-code errors, persisted with
// each batch), `js-out-refs` (output document <-> reference document). Apply then needs a
// JsBatchContext: the program compiled on the calling thread.
//
// Threads: Apply from one thread at a time (the index manager's worker). Snapshot, the accessors
// and WaitForCoverage from any thread; a snapshot belongs to the thread that took it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "documents/database.h"
#include "indexing/definition.h"
#include "js/runtime.h"
#include "json/value.h"
#include "platform/env.h"
#include "storage/btree_node.h"
#include "storage/store.h"

namespace rookery::indexing {

// A kAutoMap entry: the id and, per indexed path, every value json::CollectPath found there
// (`fields` is an object: path -> array of values; a missing path has an empty array).
struct IndexEntry {
  std::string id;  // original casing
  json::Value fields;
};

// A kAutoMapReduce result: one group.
struct ReduceResult {
  std::vector<json::Value> keys;  // in definition.group_by order; a path with several values
                                  // gives an array, a missing one null
  uint64_t count = 0;
  std::vector<json::Value> sums;  // in definition.sums order; numbers
};

// One error of user code (a JavaScript map or reduce) on one document or group.
struct IndexError {
  uint64_t micros = 0;   // when, microseconds since the Unix epoch
  std::string document;  // the document id (Map) or the reduce key text (Reduce)
  std::string action;    // "Map" or "Reduce"
  std::string error;     // the message (js::Runtime's: the script's error with its position)
};

// What Apply needs for a JavaScript index. Both must stay valid during the call.
struct JsBatchContext {
  js::IndexProgram* program = nullptr;      // compiled from the index's definition on the
                                            // calling thread's runtime
  documents::Database* database = nullptr;  // load() reads it; loaders are re-mapped from it
  // Whether the index would still be stale once it covers `covered` (RavenDB's errored-state
  // rule judges small indexes only once they are not stale). Unset: assumed stale.
  std::function<Result<bool>(uint64_t covered)> stale_after;
  // Map-reduce: a group of at least this many entries that only gained entries in a batch is
  // reduced from its stored outputs and the new entries (docs/design/js-indexes.md, "Additive
  // re-reduce"); smaller groups are always reduced from all their entries.
  size_t flat_group_limit = 64;
};

struct IndexStats {
  uint64_t covered_etag = 0;
  uint64_t entries = 0;  // kAutoMap: documents; kAutoMapReduce: groups
  uint64_t map_attempts = 0;
  uint64_t map_errors = 0;
  uint64_t reduce_attempts = 0;  // JavaScript map-reduce: groups reduced
  uint64_t reduce_errors = 0;
  uint64_t created_micros = 0;
  uint64_t last_indexing_micros = 0;  // 0 = never
  uint64_t last_query_micros = 0;     // 0 = never
  std::string last_error;
};

// RavenDB's rule for an index with too many user-code errors (IndexFailureInformation): with
// attempts = map + reduce attempts and errors likewise, invalid when errors > 0 and
//   attempts > 100 and errors / attempts > 15%; or, once the index is not stale,
//   attempts >= 6 and errors / attempts > 15%, or every attempt failed.
// Returns RavenDB's message ("Index X is invalid, out of N map attempts, ...") when invalid, ""
// otherwise.
std::string InvalidIndexMessage(std::string_view name, const IndexStats& stats, bool is_stale);

// Whether an entry's values at one path (as stored: the array CollectPath found) are irregular
// for ordered term scans: more than one value once arrays are flattened, a number that is not
// exactly a double (an integer beyond 2^53: its term is rounded), or a term too long for the term
// tree (not indexed). `lower_id_size`: the length of the entry's lower id (part of the key).
bool IsIrregular(const json::Value& values, size_t lower_id_size);

class IndexSnapshot {
 public:
  virtual ~IndexSnapshot() = default;
  virtual uint64_t covered_etag() const = 0;
  // kAutoMap: the entry of a lower-cased id.
  virtual Result<std::optional<IndexEntry>> GetEntry(std::string_view lower_id) = 0;
  // kAutoMap: every entry in lower-id order until fn returns false.
  virtual Status ForEachEntry(const std::function<bool(IndexEntry&)>& fn) = 0;
  // kAutoMap: fn(lower_id) for every term key k with lo <= k < hi (no bound when nullopt) in the
  // term tree of `path`, in term order; kNotFound if the path is not indexed.
  virtual Status ForEachTerm(std::string_view path, std::string_view lo,
                             std::optional<std::string_view> hi,
                             const std::function<bool(std::string_view lower_id)>& fn) = 0;
  // kAutoMap: as ForEachTerm, with the whole term tree key (term key + lower id) too.
  virtual Status ForEachTermKey(
      std::string_view path, std::string_view lo, std::optional<std::string_view> hi,
      const std::function<bool(std::string_view key, std::string_view lower_id)>& fn) = 0;
  // kAutoMap: how many term keys k with lo <= k < hi the term tree of `path` holds, counted a
  // leaf at a time (no per-key work); kNotFound if the path is not indexed.
  virtual Result<uint64_t> CountTerms(std::string_view path, std::string_view lo,
                                      std::optional<std::string_view> hi) = 0;
  // kAutoMap: how many entries are irregular at `path` (IsIrregular); nullopt when the index
  // does not keep the count (created before it existed). With 0, every entry has at most one
  // value at `path`, and a number there appears once in the term tree with its exact value, so a
  // term range scan yields each matching document once, in the order of its value.
  virtual Result<std::optional<uint64_t>> IrregularEntries(std::string_view path) = 0;
  // kJavaScriptMapReduce: every reduce result (a group whose reduce returned an array gives
  // several), in group-hash order, until fn returns false.
  virtual Status ForEachJsResult(const std::function<bool(json::Value&)>& fn) = 0;
  // kAutoMapReduce: every group in group-key order.
  virtual Status ForEachReduceResult(const std::function<bool(ReduceResult&)>& fn) = 0;
  virtual uint64_t entry_count() const = 0;
};

class Index {
 public:
  // Creates the index directory and its storage with `definition` (normalized). The directory
  // must not hold an index yet.
  static Result<std::unique_ptr<Index>> Create(platform::Env& env, std::string dir,
                                               IndexDefinition definition);
  // Opens an existing index; kNotFound if `dir` holds no committed definition.
  static Result<std::unique_ptr<Index>> Open(platform::Env& env, std::string dir);
  ~Index();

  const IndexDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  const std::string& dir() const { return dir_; }
  uint64_t covered_etag() const { return covered_.load(std::memory_order_acquire); }

  // Indexes the batch's changes and records batch.covered_etag, durably, in one transaction.
  // A document that cannot be indexed (invalid JSON; for JavaScript indexes an error or limit in
  // user code) is counted as a map error, recorded (recent_errors) and left out. `js` is required
  // for JavaScript indexes and ignored otherwise.
  Status Apply(const documents::ChangeBatch& batch, const JsBatchContext* js = nullptr);

  Result<std::unique_ptr<IndexSnapshot>> Snapshot();

  IndexStats stats() const;  // reads the entry count from storage
  // stats().last_indexing_micros without touching storage (for every query's reply).
  uint64_t last_indexing_micros() const;
  void NoteQueried();
  // The most recent user-code errors (at most kMaxRecentErrors), oldest first. JavaScript
  // indexes persist them and their counters with each batch (docs/formats/index.md).
  std::vector<IndexError> recent_errors() const;
  static constexpr size_t kMaxRecentErrors = 50;
  // Why the index is errored (RavenDB's "Index X is invalid, out of N map attempts, ..."), ""
  // when it is not. Set by the batch whose error counters cross RavenDB's failure rate
  // (InvalidIndexMessage), in that batch's transaction; kept across restarts. An errored index
  // is neither indexed nor queried; a reset or a new definition (a new Index) clears it.
  std::string errored() const;

  // Blocks until covered_etag() >= etag, the timeout passes or Shutdown; returns covered_etag().
  uint64_t WaitForCoverage(uint64_t etag, uint64_t timeout_micros);
  // Wakes every waiter for good (the index is closing or being deleted).
  void Shutdown();

 private:
  Index(platform::Env& env, std::string dir, std::unique_ptr<storage::Store> store,
        IndexDefinition definition);
  Status ApplyBatch(const documents::ChangeBatch& batch, const JsBatchContext* js);
  // JavaScript indexes: writes the counters, this batch's errors and (when the failure rate is
  // crossed) the errored state into `txn`; *errored gets the new state ("" if unchanged).
  Status PersistErrors(storage::StoreWriteTransaction& txn, const documents::ChangeBatch& batch,
                       const JsBatchContext& js, std::string* errored);
  // Replaces the in-memory counters, recent errors and errored state with the committed ones.
  Status LoadErrors();
  // Parses only the root members the definition's paths start with; a document that does not
  // parse is counted as a map error (nullopt) and left out of the index.
  std::optional<json::Value> ParseForIndexing(const documents::Change& change);
  // The trees a kAutoMap batch writes, opened once per batch: `terms[i]` is the term tree of
  // definition_.fields[i].
  struct MapTrees {
    storage::Tree* entries = nullptr;
    std::vector<storage::Tree*> terms;
  };
  Status ApplyMap(storage::StoreWriteTransaction& txn, const MapTrees& trees,
                  const documents::Change& change);
  Status ApplyMapReduce(storage::StoreWriteTransaction& txn, const documents::Change& change);
  // JavaScript indexes (js_apply.cc).
  struct JsTrees;
  // A group a batch touched: whether it lost entries, and the entries (JSON text) it gained.
  struct JsGroupChange {
    bool removed = false;
    std::vector<std::string> added;
  };
  using JsDirtyGroups = std::map<std::string, JsGroupChange>;  // by reduce key text
  Status ApplyJs(storage::StoreWriteTransaction& txn, const documents::ChangeBatch& batch,
                 const JsBatchContext& js);
  Status ReindexJs(const JsTrees& trees, const JsBatchContext& js, const std::string& id,
                   std::string_view collection, const std::string* json,
                   const js::MappedDocument* mapped, JsDirtyGroups* dirty_groups);
  Status ReduceJsGroup(storage::StoreWriteTransaction& txn, const JsTrees& trees,
                       const JsBatchContext& js, const std::string& key_text,
                       const JsGroupChange& change);
  // OutputReduceToCollection: the artificial documents (id -> JSON) of the groups whose hash
  // prefix is `prefix` (docs/design/js-indexes.md, "Output collections").
  using OutputDocs = std::map<std::string, std::string>;
  Result<OutputDocs> OutputDocsOf(storage::StoreWriteTransaction& txn, storage::Tree& results,
                                  std::string_view prefix);
  // Deletes of every artificial document in the output collection and the reference documents'
  // collection (before a fresh build); `deleted` gets their lower-cased ids.
  Status DeleteOldOutputs(documents::Database& db, std::vector<documents::Command>* out,
                          std::set<std::string>* deleted);
  // The database writes for the output documents of the groups whose hashes are in `before`
  // (their documents before this batch's reduce), and of the reference documents they map to
  // (js_output.cc).
  Status OutputCommands(storage::StoreWriteTransaction& txn, storage::Tree& results,
                        const JsBatchContext& js, const std::map<std::string, OutputDocs>& before,
                        const std::set<std::string>& replaced,
                        std::vector<documents::Command>* commands);
  Status ReferenceCommands(storage::StoreWriteTransaction& txn, storage::Tree& refs,
                           const JsBatchContext& js, const std::string& lower_ref,
                           const std::string& ref_id, const std::set<std::string>& replaced,
                           std::vector<documents::Command>* commands);
  bool MapsCollection(std::string_view collection) const;
  void RecordError(std::string document, std::string action, const Status& status);

  platform::Env& env_;
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  IndexDefinition definition_;
  std::vector<std::string_view> root_keys_;  // views into definition_'s paths
  std::atomic<uint64_t> covered_{0};

  mutable std::mutex mu_;
  std::condition_variable progressed_;
  bool shutdown_ = false;
  IndexStats stats_;
  std::deque<IndexError> recent_errors_;
  std::string errored_;
  // Apply's thread only: the errors recorded by the batch being applied, and the js-errors key of
  // the next one.
  std::vector<IndexError> batch_errors_;
  uint64_t next_error_seq_ = 1;
};

}  // namespace rookery::indexing

// IndexManager: the indexes of one database and the background thread that keeps them current.
//
// Indexes live in <database dir>/Indexes/<IndexDirectoryName(name)>/, each its own storage
// environment (index.h). At open the manager opens every index found there (a directory without
// a committed definition, left by a crash during creation, is removed). One worker thread
// indexes: whenever the database commits (its write observer) or an index is created, it brings
// every index up to the database's last etag in batches, round robin, each batch one durable
// index transaction.
//
// Automatic indexes: GetOrCreateAuto returns an index covering the wanted definition, creating
// one when none does. When an auto index of the same collection and kind exists but lacks fields,
// the new index is their union (widening, as RavenDB does) and the narrower one is deleted once
// the wider one has caught up.
//
// Static JavaScript indexes (docs/design/js-indexes.md): PutStatic compiles the definition (on
// a runtime kept for that) before creating anything; the worker thread owns the js::Runtimes it
// runs them on, one per distinct (time limit, heap limit), and each index's compiled program.
//
// Staleness (protocol.md §10): an index is stale while some document or tombstone of its
// collection has an etag above the index's covered etag. Never guessed: IsStale checks the
// database.
//
// Threads: every method may be called from any thread. Index handles are shared_ptrs: a deleted
// index stays usable by holders (queries in flight); its directory is removed when the last
// holder lets go.
#pragma once

#include <array>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "documents/database.h"
#include "indexing/index.h"
#include "js/runtime.h"
#include "platform/env.h"

namespace rookery::indexing {

struct IndexingOptions {
  // Limits of each call into a JavaScript index's code when its Configuration sets none
  // (Indexing.JavaScript.TimeLimitInMs, Indexing.JavaScript.HeapLimitInMb).
  js::RuntimeOptions javascript;
  // JsBatchContext::flat_group_limit: map-reduce groups smaller than this are always reduced
  // from all their entries (docs/design/js-indexes.md).
  size_t flat_group_limit = 64;
};

// What the engine compiles for a static definition: its maps, reduce and additional sources.
js::IndexScript IndexScriptOf(const IndexDefinition& definition);

// The limits a static definition asks for (its Configuration), else `defaults`.
js::RuntimeOptions JavaScriptLimits(const IndexDefinition& definition,
                                    const js::RuntimeOptions& defaults);

class IndexManager {
 public:
  // `database` must outlive the manager.
  static Result<std::unique_ptr<IndexManager>> Open(platform::Env& env, std::string database_dir,
                                                    documents::Database& database,
                                                    IndexingOptions options = {});
  ~IndexManager();  // stops the worker and closes every index

  // An index covering `wanted` (Normalize()d here), created (and widened) if needed.
  Result<std::shared_ptr<Index>> GetOrCreateAuto(IndexDefinition wanted);
  // The index GetOrCreateAuto(wanted) would return without creating one; nullptr when it would
  // create (or widen) one.
  std::shared_ptr<Index> FindAuto(IndexDefinition wanted) const;
  // Creates or replaces a static (JavaScript) index (`definition` from
  // StaticDefinitionFromRavenJson). The sources are compiled first: an error there is
  // kInvalidArgument naming the source and position, and nothing is created. An identical
  // definition under the name returns the existing index; a different one replaces it (the old
  // index is deleted, the new one builds from the start).
  Result<std::shared_ptr<Index>> PutStatic(IndexDefinition definition);
  // Rebuilds an index from scratch with its definition (RavenDB's RESET). kNotFound when absent.
  Status Reset(std::string_view name);
  // By name, case-insensitive; nullptr when absent.
  std::shared_ptr<Index> Find(std::string_view name) const;
  // Every index, by name.
  std::vector<std::shared_ptr<Index>> List() const;
  // kNotFound when absent.
  Status Delete(std::string_view name);

  // Whether documents or tombstones of the index's collection exist above its covered etag.
  Result<bool> IsStale(Index& index) { return IsStaleAfter(index, index.covered_etag()); }
  // Whether such changes exist above `covered` (a snapshot's covered etag). Also true while an
  // index whose OutputReduceToCollection this index maps is stale (chained indexes).
  Result<bool> IsStaleAfter(const Index& index, uint64_t covered);
  // Waits until the index covers every change committed before this call, or the timeout.
  // Returns whether it is non-stale at the end.
  Result<bool> WaitForNonStale(Index& index, uint64_t timeout_micros);

  // RavenDB's /admin/indexes/stop and /start: while stopped the worker indexes nothing (queries
  // still run and report staleness truthfully).
  void StopIndexing();
  void StartIndexing();
  bool indexing_stopped() const;

  // The last indexing error, if the worker hit a storage failure on this index, else why the
  // index is errored (Index::errored), else "".
  std::string ErrorOf(std::string_view name) const;

 private:
  struct JsWorker;  // the worker thread's runtimes and compiled programs
  IndexManager(platform::Env& env, std::string dir, documents::Database& database,
               IndexingOptions options);
  Status LoadExisting();
  void Run();
  // The worker's two change batches, reused from batch to batch while it indexes (their
  // documents' memory is allocated once, not per batch: ~18 MB of 1 KiB documents per batch).
  using BatchBuffers = std::array<documents::ChangeBatch, 2>;
  // A few batches for one index (each read while the previous one commits); true if it did
  // some work.
  bool IndexOneBatch(const std::shared_ptr<Index>& index, JsWorker& js, BatchBuffers& buffers);
  Result<std::shared_ptr<Index>> CreateStatic(IndexDefinition definition);
  // kInvalidArgument when the definition's output collection is one it maps or one another
  // index already writes.
  Status CheckOutputCollection(const IndexDefinition& definition) const;
  // kInvalidArgument (RavenDB's message) when the output collection holds documents, unless the
  // definition replaces an index of that name writing the same collection.
  Status CheckOutputCollectionEmpty(const IndexDefinition& definition) const;
  // After `previous` is replaced by `next`: deletes the artificial documents of the output or
  // reference collections `previous` wrote and `next` does not.
  Status DeleteAbandonedOutputs(const IndexDefinition& previous, const IndexDefinition& next);
  void NoteFailure(const Index& index, const Status& s);
  Result<bool> IsStaleAfter(const Index& index, uint64_t covered, int depth);
  void RetireReplaced();
  std::shared_ptr<Index> Adopt(std::unique_ptr<Index> index);
  std::string CollectionFilter(const Index& index) const;
  void Wake();

  platform::Env& env_;
  std::string dir_;  // <database dir>/Indexes
  documents::Database& database_;
  IndexingOptions options_;

  std::mutex compile_mu_;                         // PutStatic's compilations
  std::unique_ptr<js::Runtime> compile_runtime_;  // created on first PutStatic

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool stopped_ = false;                                      // StopIndexing
  bool pending_ = false;                                      // a wake-up not yet consumed
  std::map<std::string, std::shared_ptr<Index>> indexes_;     // lower-cased name -> index
  std::map<std::string, std::string> errors_;                 // lower-cased name -> last error
  std::map<std::string, std::vector<std::string>> replaces_;  // wider -> narrower names
  std::thread worker_;
};

}  // namespace rookery::indexing

// QueryEngine: runs RQL queries of one database (protocol.md §8, §10).
//
// Planning (docs/design/queries.md):
//   - `from <collection>` / `from @all_docs` with no where/order by/group by: a collection scan
//     in etag order (no index; IndexName "collection/<name>"); `where id() = / in` and
//     `startsWith(id(), p)` alone are direct lookups.
//   - with where or order by on fields: an automatic map index over every field referenced
//     (indexing::IndexManager::GetOrCreateAuto), reused or widened by later queries;
//   - `group by`: an automatic map-reduce index (count() and sum(f));
//   - `from index 'X'`: that index (kNotFound when it does not exist).
// Index queries narrow candidates through the term trees where a condition allows it and then
// evaluate the whole where clause on each candidate's index entry (eval.h), so results reflect
// exactly what the index has processed; IsStale says whether that is everything.
//
// Threads: Run may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "documents/database.h"
#include "indexing/index_manager.h"
#include "json/value.h"
#include "query/ast.h"

namespace rookery::query {

struct QueryRequest {
  std::string text;        // RQL
  json::Value parameters;  // object or null
  bool wait_for_non_stale = false;
  uint64_t wait_timeout_micros = 15ull * 1000 * 1000;
  bool metadata_only = false;
};

struct QueryResult {
  // Each result as JSON text: a stored document exactly as loads return it, or a projection
  // (with "@metadata": {"@projection": true, ...}).
  std::vector<std::string> results;
  // Included documents: id (as stored) -> JSON text; ids that were not found map to "".
  std::vector<std::pair<std::string, std::string>> includes;
  uint64_t total_results = 0;
  uint64_t skipped_results = 0;
  std::string index_name;
  bool is_stale = false;
  uint64_t result_etag = 0;             // changes whenever the results may have changed
  uint64_t index_timestamp_micros = 0;  // last indexing time (0: never / not an index query)
  uint64_t duration_micros = 0;
};

class QueryEngine {
 public:
  // Both must outlive the engine.
  QueryEngine(platform::Env& env, documents::Database& database, indexing::IndexManager& indexes);

  // Errors: kInvalidArgument (malformed query, bad parameters: InvalidQueryException),
  // kNotSupported (naming the construct), kNotFound (unknown index: IndexDoesNotExistException).
  Result<QueryResult> Run(const QueryRequest& request);

  // The ids of every document the query matches (paging ignored), for delete by query. Waits
  // for non-stale results like Run when asked.
  Result<std::vector<std::string>> MatchingIds(const QueryRequest& request, bool* is_stale);

  // Whether Run(request) is cheap and never blocks: it does not wait for indexing, needs no new
  // index (nothing is written), its index has caught up with every committed change, and touches at
  // most about kQuickEntries index entries and documents plus, for an ordered range, a leaf-by-leaf
  // count of the range. Such a query can be answered on an I/O thread (server.cc). Costs a parse
  // (cached) and, for index queries, a snapshot and at most kQuickEntries + 1 term keys per term
  // scan. False on any error: Run reports it.
  static constexpr size_t kQuickEntries = 256;
  bool AnswersQuickly(const QueryRequest& request);

  // Run(request) when AnswersQuickly(request) would hold, nullopt otherwise, with the work done
  // once: the quick check's term scan is the query's own (an I/O thread that decides and then
  // runs would scan, open snapshots and look up the index twice). Any error gives nullopt too,
  // and nothing is created or written: Run on a worker then reports the error.
  Result<std::optional<QueryResult>> RunIfQuick(const QueryRequest& request);

 private:
  struct Match;
  struct Plan;
  // A run limited to quick queries (RunIfQuick): the index found without creating one, and
  // whether the query turned out to need more than kQuickEntries entries (it then stops).
  struct Quick {
    std::shared_ptr<indexing::Index> index;  // nullptr: a direct lookup by id
    bool too_big = false;
  };
  // The checks of AnswersQuickly that need no index snapshot; sets quick->index.
  bool QuickCandidate(const QueryRequest& request, const Query& query, Quick* quick);
  // Run; with `quick`, stops early (quick->too_big) instead of reading more than kQuickEntries.
  Result<QueryResult> RunImpl(const QueryRequest& request, Quick* quick);
  Result<Plan> MakePlan(const Query& query, const json::Value& parameters,
                        std::shared_ptr<indexing::Index> found = nullptr);
  // Index plans: waits when asked, takes the snapshot the query reads and says whether it is
  // stale. Other plans: nullptr.
  Result<std::unique_ptr<indexing::IndexSnapshot>> OpenSnapshot(Plan& plan,
                                                                const QueryRequest& request,
                                                                bool* is_stale);
  // `lower_ids_suffice`: the caller needs of a map match only its lower id (whole documents, no
  // order by), so exact candidates (CandidatesAreMatches) are taken without reading entries.
  // With `quick`, a map query whose candidates exceed kQuickEntries (or cannot be narrowed)
  // collects nothing and sets quick->too_big.
  Status Collect(Plan& plan, indexing::IndexSnapshot* snapshot, const Query& query,
                 const json::Value& parameters, bool lower_ids_suffice, std::vector<Match>* matches,
                 Quick* quick = nullptr);
  // An ordered range (planner.h OrderedRangeFor) answered by one term-tree scan: the page's
  // matches, in order, and the total; nullopt when the query or the index does not allow it
  // (then the caller collects and sorts every match).
  Result<std::optional<uint64_t>> OrderedRangePage(Plan& plan, indexing::IndexSnapshot& snapshot,
                                                   const Query& query,
                                                   const json::Value& parameters, uint64_t offset,
                                                   std::optional<uint64_t> limit,
                                                   std::vector<Match>* page);

  // The parsed form of `text`, from the cache when the same text was parsed before (clients
  // send the same parameterized text again and again). Errors are not cached.
  Result<std::shared_ptr<const Query>> Parse(const std::string& text);

  platform::Env& env_;
  documents::Database& database_;
  indexing::IndexManager& indexes_;

  // Parsed queries by text; emptied when it reaches kMaxCachedQueries (a client that never
  // repeats a text gains nothing, and the cache stays bounded).
  static constexpr size_t kMaxCachedQueries = 1024;
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Query>> cache_;
};

}  // namespace rookery::query

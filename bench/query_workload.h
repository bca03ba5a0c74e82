// The query benchmark's workload (issue 5), run against one started DocSystem (doc_systems.h):
//   load      documents 0..N-1 (ids "docs/1".."docs/N", `doc_size` bytes each, collection
//             "Docs"), each with "Category":"c<i/10>" (exactly 10 documents per group) and
//             "Score":<a permutation of 0..N-1> (distinct integers), in durable batches on one
//             connection (DocClient::InsertBatch; generating the documents is not timed);
//   index     the automatic index build: Rookery, the first `where Category = $p0` query with
//             WaitForNonStaleResults (no index exists before), then the first range query
//             (which widens the index to Category and Score); PostgreSQL, CREATE INDEX on
//             ((data->>'Category')) and on (((data->'Score')::numeric)), then ANALYZE;
//   eq-1/eq-C `from Docs where Category = $p0` for a random group (10 results) on 1 and on C
//             connections; PostgreSQL: prepared SELECT data FROM docs WHERE data->>'Category' = $1;
//   range-1/C `from Docs where Score between $p0 and $p1 order by Score as long limit $p2, $p3`,
//             bounds covering 1% of the documents, page 0 of 25; Rookery also counts the matches
//             (TotalResults), PostgreSQL's prepared SELECT ... ORDER BY ... LIMIT 25 does not.
// Before timing, a few queries of each kind are checked in full on both systems (right documents,
// right order, right TotalResults), so a fast wrong answer cannot pass.
//
// Threads: RunQueryBench is called from one thread and creates the query threads itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "bench/doc_systems.h"
#include "json/value.h"

namespace rookery::bench {

struct QueryOptions {
  uint64_t docs = 1'000'000;
  size_t batch = 1000;
  size_t doc_size = 1024;
  uint64_t eq_queries = 20'000;    // per equality pass
  uint64_t range_queries = 5'000;  // per range pass
  size_t page_size = 25;
  unsigned connections = 16;
  uint64_t seed = 42;
  std::vector<std::string> systems = {"rookery", "postgres"};
  std::string dir;  // parent of the systems' temporary directories
  std::string out;  // markdown report; empty: stdout only
  SystemOptions system;
};

struct PassFigures {
  double rate = 0;  // queries/s
  double p50_us = 0, p99_us = 0;
  double server_cpu_us = 0;  // per query
  double client_cpu_us = 0;  // per query
  std::string loadavg;       // /proc/loadavg right after the pass
};

struct IndexBuild {
  std::string what;  // e.g. "Auto/Docs/ByCategory (first query)"
  double seconds = 0;
  double docs_per_second = 0;
  double server_cpu_seconds = 0;  // the server process tree's CPU time over the step
  std::string loadavg;
};

struct QueryRun {
  std::string id, name, description;
  double load_rate = 0;  // documents/s
  double load_seconds = 0;
  std::string load_loadavg;
  std::vector<IndexBuild> builds;
  PassFigures eq1, eqn, range1, rangen;
  double eq_bytes = 0, range_bytes = 0;  // bytes received per query (response body / rows)
};

// The document `i` of an N-document run: `size` bytes (>= 400) of order-like JSON with Category,
// Score and "@metadata":{"@collection":"Docs"}.
std::string QueryDocumentId(uint64_t i);
void MakeQueryDocument(uint64_t seed, uint64_t i, uint64_t n, size_t size, std::string* out);
// Score of document i: (i * m) mod n for a fixed m coprime with n, so 0..n-1 each exactly once.
uint64_t ScoreOf(uint64_t i, uint64_t n);

// One system's queries. Each client is used by one thread.
class QueryClient {
 public:
  virtual ~QueryClient() = default;
  // Documents of `group`. With `docs` non-null, the returned documents are parsed into it (the
  // check pass); otherwise only the response status is checked (the timed passes).
  virtual Status Equal(const std::string& group, std::vector<json::Value>* docs, size_t* bytes) = 0;
  // The first `page` documents with lo <= Score <= hi in Score order; *total is the number of
  // matches the system reported (Rookery's TotalResults) or UINT64_MAX if it reports none.
  virtual Status Range(uint64_t lo, uint64_t hi, size_t page, std::vector<json::Value>* docs,
                       uint64_t* total, size_t* bytes) = 0;
};

class QueryDriver {
 public:
  virtual ~QueryDriver() = default;
  // Builds the indexes the queries use (timed; see above) and appends what it measured.
  virtual Status BuildIndexes(const QueryOptions& o, std::vector<IndexBuild>* out) = 0;
  virtual Result<std::unique_ptr<QueryClient>> Connect() = 0;
};

// `id` is "rookery" or "postgres"; the system must be running and stay so.
Result<std::unique_ptr<QueryDriver>> MakeQueryDriver(const std::string& id, DocSystem& system);

Status RunQueryBench(const QueryOptions& options, DocSystem& system, QueryDriver& driver,
                     QueryRun* out);

}  // namespace rookery::bench

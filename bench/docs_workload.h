// The document benchmark's workload, run against one started DocSystem (doc_systems.h):
//   insert  documents 0..N-1 (ids "orders/1".."orders/N", about `doc_size` bytes of order-like
//           JSON each, the same bytes for every system) in batches of `batch`, one durable
//           transaction per batch, on one connection; generating the documents is not timed;
//   get-1   `get_requests` reads by id, uniformly random over the N documents, on 1 connection;
//   get-C   as many reads on `connections` connections, one thread each.
// Server CPU is the server process tree's (/proc/<pid>/stat) over each phase, client CPU this
// process's (getrusage); bytes on disk are the server's data directory right after the load.
//
// Threads: RunDocsOnce is called from one thread and creates the reader threads itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/doc_systems.h"

namespace rookery::bench {

struct DocsOptions {
  uint64_t docs = 1'000'000;
  size_t batch = 1000;
  size_t doc_size = 1024;
  uint64_t get_requests = 200'000;  // per GET pass
  unsigned connections = 16;
  int runs = 1;
  uint64_t seed = 42;
  std::vector<std::string> systems = {"rookery", "postgres"};
  std::string dir;  // parent of the systems' temporary directories
  std::string out;  // markdown report; empty: stdout only
  SystemOptions system;
};

struct GetFigures {
  double rate = 0;  // requests/s
  double p50_us = 0, p99_us = 0;
  double server_cpu_us = 0;  // per request
  double client_cpu_us = 0;  // per request
};

struct DocsRun {
  double insert_rate = 0;  // documents/s over the timed InsertBatch calls
  double insert_seconds = 0;
  double insert_batch_p50_ms = 0, insert_batch_p99_ms = 0;
  double insert_server_cpu_us = 0;  // per document
  double insert_client_cpu_us = 0;  // per document
  GetFigures get1, getn;
  uint64_t disk_bytes = 0;  // allocated, after the load
  double bytes_received_per_get = 0;
};

// The id and the JSON text of document `i` (0-based); the JSON carries
// "@metadata":{"@collection":"Orders"} and is `size` bytes long (size >= 400).
std::string DocumentId(uint64_t i);
void MakeDocument(uint64_t seed, uint64_t i, size_t size, std::string* out);

Status RunDocsOnce(const DocsOptions& options, DocSystem& system, int run, DocsRun* out);

}  // namespace rookery::bench

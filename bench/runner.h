// The storage benchmark's workloads (design/storage.md §13) run against one KvEngine.
//
// One "run" of one engine executes every selected workload once, in this order:
//   load-random  fresh directory; keys 0..N-1 inserted in a random permutation, `batch` Puts per
//                durable commit;
//   read         on the database just loaded (load-random if selected, else load-seq, else an
//                untimed sequential load): uniform point reads on 1 thread (first pass after the
//                load, then a warm pass), on 2 threads (warm), Zipf on 1 thread (warm). Each pass
//                is `reads` Gets, each copying the value into a caller-owned string;
//   scan         on the same database: one full ordered scan, checking every key is present, in
//                order;
//   commit       on the same database: `commits` transactions of one new key each (keys N, N+1,
//                ...), each durable, latency of each measured;
//   load-seq     fresh directory; keys 0..N-1 in ascending order, `batch` Puts per commit.
// Every directory is created empty under the run's directory and deleted afterwards.
//
// Timing: wall time from steady_clock; CPU time from getrusage(RUSAGE_SELF), so an engine's
// background threads (RocksDB flush and compaction) are charged to it. Generating keys and values
// is excluded from the load figures. After each load the engine's background work is waited for
// (KvEngine::WaitForBackgroundWork) and reported separately, so reads run on a settled database.
// Bytes written are the device's sectors written (/sys/dev/block/M:m/stat), device-wide: other
// processes' writes count too, so they mean something only on a quiet machine.
//
// Threads: RunEngineOnce is called from one thread and creates its own reader threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/engines.h"

namespace rookery::bench {

// The workload names accepted by --workloads, in the order the report shows them.
inline const std::vector<std::string>& AllWorkloads() {
  static const std::vector<std::string> all = {"load-random", "load-seq", "read", "commit", "scan"};
  return all;
}

struct BenchOptions {
  uint64_t keys = 1'000'000;
  int runs = 3;
  std::vector<std::string> engines;    // ids from CompiledEngines()
  std::vector<std::string> workloads;  // subset of AllWorkloads()
  std::string dir;                     // parent of every run's fresh directories
  std::string out;                     // markdown report path; empty: stdout only
  uint64_t seed = 42;
  size_t value_size = 1024;
  size_t batch = 1000;  // Puts per durable commit in the loads
  uint64_t reads = 0;   // Gets per read pass; 0 means `keys`
  uint64_t commits = 2000;
  double zipf_theta = 0.99;
  bool verify = false;  // also compare every value read or scanned with the generated one
  bool fork = true;     // run each (engine, run) in a child process

  bool Has(const std::string& workload) const;
  uint64_t ReadsPerPass() const { return reads == 0 ? keys : reads; }
};

// One figure of one run: workload ("load-random"), metric id ("rate"), value.
struct Measurement {
  std::string workload;
  std::string metric;
  double value = 0;
};
using RunResult = std::vector<Measurement>;

// Runs the selected workloads once on a new engine from `factory`, using fresh subdirectories of
// `run_dir` (created here, removed afterwards), and appends the figures to *out. Fails on any
// engine error or on a data mismatch (a missing key, a wrong value size, scan order).
Status RunEngineOnce(const BenchOptions& options, const EngineFactory& factory,
                     const std::string& run_dir, RunResult* out);

}  // namespace rookery::bench

// A timed pass of a loopback benchmark: `count` operations split evenly over `threads` client
// threads (each with its own connection, chosen by the caller), started together, with the wall
// time, every operation's latency, the server's and this process's CPU time, and the bytes the
// operations received. Shared by docs_bench and query_bench.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"

namespace rookery::bench {

struct PassResult {
  double seconds = 0;
  double server_cpu_seconds = 0;  // the server's process tree
  double client_cpu_seconds = 0;  // this process
  std::vector<float> latencies_us;
  uint64_t bytes = 0;
};

// op(thread, k, &bytes) runs the k-th operation on `thread`'s connection and sets the bytes it
// received. The first failing operation of a thread stops that thread; its Status is returned.
Status TimedPass(pid_t server_pid, unsigned threads, uint64_t count,
                 const std::function<Status(unsigned thread, uint64_t k, size_t* bytes)>& op,
                 PassResult* out);

// CPU time (user + system) of this process so far, in seconds.
double SelfCpuSeconds();
// The q-quantile of the values (reorders them); 0 when empty.
double Quantile(std::vector<float>& values, double q);

}  // namespace rookery::bench

#include "bench/timed_pass.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "bench/process.h"

namespace rookery::bench {

double SelfCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Quantile(std::vector<float>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Status TimedPass(pid_t server_pid, unsigned threads, uint64_t count,
                 const std::function<Status(unsigned, uint64_t, size_t*)>& op, PassResult* out) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<float>> latencies(threads);
  std::vector<Status> errors(threads);
  std::vector<uint64_t> bytes(threads, 0);
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (unsigned c = 0; c < threads; ++c) {
    workers.emplace_back([&, c] {
      const uint64_t begin = count * c / threads, end = count * (c + 1) / threads;
      latencies[c].reserve(end - begin);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (uint64_t k = begin; k < end; ++k) {
        size_t n = 0;
        const auto t0 = Clock::now();
        Status s = op(c, k, &n);
        latencies[c].push_back(std::chrono::duration<float, std::micro>(Clock::now() - t0).count());
        if (!s.ok()) {
          errors[c] = s;
          return;
        }
        bytes[c] += n;
      }
    });
  }
  const double server0 = ProcessTreeCpuSeconds(server_pid);
  const double client0 = SelfCpuSeconds();
  const auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : workers) t.join();
  out->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out->server_cpu_seconds = ProcessTreeCpuSeconds(server_pid) - server0;
  out->client_cpu_seconds = SelfCpuSeconds() - client0;
  for (const Status& s : errors) {
    if (!s.ok()) return s;
  }
  out->latencies_us.clear();
  out->bytes = 0;
  for (unsigned c = 0; c < threads; ++c) {
    out->latencies_us.insert(out->latencies_us.end(), latencies[c].begin(), latencies[c].end());
    out->bytes += bytes[c];
  }
  return Status::Ok();
}

}  // namespace rookery::bench

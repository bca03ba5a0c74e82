#include "bench/runner.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/workload_data.h"

namespace rookery::bench {

bool BenchOptions::Has(const std::string& workload) const {
  return std::find(workloads.begin(), workloads.end(), workload) != workloads.end();
}

namespace {

using Clock = std::chrono::steady_clock;

double ProcessCpuMicros() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& tv) { return tv.tv_sec * 1e6 + tv.tv_usec; };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// The block device's statistics file for the file system holding `dir`
// (/sys/dev/block/MAJOR:MINOR/stat), or "" when there is none (tmpfs, overlay).
std::string DeviceStatPath(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "";
  std::string path = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                     std::to_string(minor(st.st_dev)) + "/stat";
  return std::filesystem::exists(path) ? path : "";
}

// Bytes written to the device so far (sectors written * 512), or -1 when unknown. Device-wide:
// other processes' writes count too, so figures need a quiet machine. (/proc/self/io write_bytes
// is no substitute: kernels with large folios count a whole folio per dirtied 4 KiB page.)
double DeviceWrittenBytes(const std::string& stat_path) {
  if (stat_path.empty()) return -1;
  std::ifstream in(stat_path);
  double field[7];
  for (double& f : field) {
    if (!(in >> f)) return -1;
  }
  return field[6] * 512;
}

// A point in time for measuring a workload from outside.
struct Snapshot {
  explicit Snapshot(const std::string& device_stat) : written(DeviceWrittenBytes(device_stat)) {}
  Clock::time_point wall = Clock::now();
  double cpu_us = ProcessCpuMicros();
  double written;
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

class Runner {
 public:
  Runner(const BenchOptions& o, std::string device_stat, RunResult* out)
      : o_(o), device_stat_(std::move(device_stat)), out_(out) {}

  void Add(const std::string& workload, const std::string& metric, double value) {
    out_->push_back({workload, metric, value});
  }

  // Loads keys 0..N-1 in `order` (empty: ascending), batch_ Puts per durable commit.
  Status Load(KvEngine& engine, const std::string& dir, const std::vector<uint32_t>& order,
              const std::string& workload) {
    const uint64_t n = o_.keys;
    std::vector<std::string> values(o_.batch);
    std::vector<std::array<char, kKeySize>> keys(o_.batch);
    double gen_wall = 0, gen_cpu = 0;
    Snapshot start(device_stat_);
    for (uint64_t first = 0; first < n; first += o_.batch) {
      const size_t count = static_cast<size_t>(std::min<uint64_t>(o_.batch, n - first));
      // Generating the data is not the engine's work: time it and subtract it.
      auto g0 = Clock::now();
      double c0 = ThreadCpuMicros();
      for (size_t i = 0; i < count; ++i) {
        uint64_t k = order.empty() ? first + i : order[first + i];
        MakeKey(k, keys[i].data());
        MakeValue(o_.seed, k, o_.value_size, &values[i]);
      }
      gen_cpu += ThreadCpuMicros() - c0;
      gen_wall += Seconds(g0, Clock::now());

      ROOKERY_ASSIGN_OR_RETURN(auto txn, engine.BeginWrite());
      for (size_t i = 0; i < count; ++i) {
        ROOKERY_RETURN_IF_ERROR(txn->Put(std::string_view(keys[i].data(), kKeySize), values[i]));
      }
      ROOKERY_RETURN_IF_ERROR(txn->Commit());
    }
    Snapshot end(device_stat_);
    const double wall = Seconds(start.wall, end.wall) - gen_wall;
    const double logical = static_cast<double>(n) * (kKeySize + o_.value_size);
    Add(workload, "rate", n / wall);
    Add(workload, "cpu_us", (end.cpu_us - start.cpu_us - gen_cpu) / n);
    Add(workload, "wall_s", wall);
    // The work the load left behind (flushes, compactions) is part of its cost: wait for it, so
    // that reads see a settled database and sizes and device writes are final.
    ROOKERY_RETURN_IF_ERROR(engine.WaitForBackgroundWork());
    Snapshot settled(device_stat_);
    Add(workload, "settle_s", Seconds(end.wall, settled.wall));
    Add(workload, "total_cpu_us", (settled.cpu_us - start.cpu_us - gen_cpu) / n);
    const double disk = static_cast<double>(engine.DiskBytes());
    Add(workload, "disk_bytes", disk);
    Add(workload, "disk_ratio", disk / logical);
    Add(workload, "apparent_bytes", static_cast<double>(ApparentBytesUnder(dir)));
    if (start.written >= 0 && settled.written >= 0) {
      Add(workload, "written_ratio", (settled.written - start.written) / logical);
    }
    return Status::Ok();
  }

  // One pass of point reads of `choices`, split over `threads` threads.
  Status ReadPass(KvEngine& engine, const std::vector<uint32_t>& choices, int threads,
                  const std::string& row, bool sample_latency) {
    std::vector<Status> status(threads);
    std::vector<std::vector<double>> samples(threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const size_t begin = choices.size() * t / threads;
        const size_t end = choices.size() * (t + 1) / threads;
        auto txn = engine.BeginRead();
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        if (!txn.ok()) {
          status[t] = txn.status();
          return;
        }
        std::string value, expected;
        value.reserve(o_.value_size);
        char key[kKeySize];
        for (size_t i = begin; i < end; ++i) {
          MakeKey(choices[i], key);
          // Time one read in 16: enough samples for p99, little clock overhead.
          const bool timed = sample_latency && (i & 15) == 0;
          Clock::time_point t0;
          if (timed) t0 = Clock::now();
          Status s = (*txn)->Get(std::string_view(key, kKeySize), &value);
          if (timed) samples[t].push_back(Seconds(t0, Clock::now()) * 1e6);
          if (!s.ok()) {
            status[t] = s.WithContext("reading key " + std::string(key, kKeySize));
            return;
          }
          if (value.size() != o_.value_size) {
            status[t] = Status::Corruption("key " + std::string(key, kKeySize) + ": value of " +
                                           std::to_string(value.size()) + " bytes, expected " +
                                           std::to_string(o_.value_size));
            return;
          }
          if (o_.verify) {
            MakeValue(o_.seed, choices[i], o_.value_size, &expected);
            if (value != expected) {
              status[t] = Status::Corruption("key " + std::string(key, kKeySize) +
                                             ": value differs from the one written");
              return;
            }
          }
        }
      });
    }
    while (ready.load() < threads) std::this_thread::yield();
    Snapshot start(device_stat_);
    go.store(true, std::memory_order_release);
    for (auto& th : pool) th.join();
    Snapshot end(device_stat_);
    for (auto& s : status) ROOKERY_RETURN_IF_ERROR(s);
    const double n = static_cast<double>(choices.size());
    Add("read", row + ".rate", n / Seconds(start.wall, end.wall));
    Add("read", row + ".cpu_us", (end.cpu_us - start.cpu_us) / n);
    if (sample_latency) {
      std::vector<double> all;
      for (auto& v : samples) all.insert(all.end(), v.begin(), v.end());
      std::sort(all.begin(), all.end());
      Add("read", row + ".p50_us", Percentile(all, 50));
      Add("read", row + ".p99_us", Percentile(all, 99));
    }
    return Status::Ok();
  }

  Status Read(KvEngine& engine) {
    const auto n = static_cast<uint32_t>(o_.keys);
    const size_t count = o_.ReadsPerPass();
    {
      auto uniform = UniformChoices(n, count, o_.seed + 101);
      ROOKERY_RETURN_IF_ERROR(ReadPass(engine, uniform, 1, "u1_first", false));
    }
    auto uniform = UniformChoices(n, count, o_.seed + 102);
    ROOKERY_RETURN_IF_ERROR(ReadPass(engine, uniform, 1, "u1", true));
    ROOKERY_RETURN_IF_ERROR(ReadPass(engine, uniform, 2, "u2", false));
    auto zipf = ZipfChoices(n, o_.zipf_theta, count, o_.seed + 103);
    ROOKERY_RETURN_IF_ERROR(ReadPass(engine, zipf, 1, "z1", false));
    ROOKERY_RETURN_IF_ERROR(ReadPass(engine, zipf, 2, "z2", false));
    return Status::Ok();
  }

  Status Scan(KvEngine& engine) {
    ROOKERY_ASSIGN_OR_RETURN(auto txn, engine.BeginRead());
    uint64_t count = 0, bytes = 0;
    Status problem;
    char expected_key[kKeySize];
    std::string expected_value;
    Snapshot start(device_stat_);
    ROOKERY_RETURN_IF_ERROR(txn->Scan([&](std::string_view key, std::string_view value) {
      // Keys are 0..N-1 and every one must come back, in order: key number `count` is next.
      MakeKey(count, expected_key);
      if (key != std::string_view(expected_key, kKeySize)) {
        problem = Status::Corruption("scan: expected key " + std::string(expected_key, kKeySize) +
                                     " at position " + std::to_string(count) + ", got " +
                                     std::string(key));
        return false;
      }
      if (o_.verify) {
        MakeValue(o_.seed, count, o_.value_size, &expected_value);
        if (value != expected_value) {
          problem = Status::Corruption("scan: value of " + std::string(key) + " differs");
          return false;
        }
      }
      ++count;
      bytes += key.size() + value.size();
      return true;
    }));
    Snapshot end(device_stat_);
    ROOKERY_RETURN_IF_ERROR(problem);
    if (count != o_.keys) {
      return Status::Corruption("scan: " + std::to_string(count) + " keys, expected " +
                                std::to_string(o_.keys));
    }
    const double wall = Seconds(start.wall, end.wall);
    Add("scan", "rate", count / wall);
    Add("scan", "mb_s", bytes / wall / 1e6);
    Add("scan", "cpu_us", (end.cpu_us - start.cpu_us) / count);
    return Status::Ok();
  }

  // The device's floor, measured in the engine's directory just before its commits: 4 KiB
  // overwrites of a preallocated file, each followed by fdatasync. Commit latencies on a shared
  // VM swing with the host's flush latency; this row says which state the device was in.
  Status RawSyncProbe(const std::string& dir) {
    const std::string path = dir + "/raw-sync-probe";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    constexpr int kPages = 64, kWrites = 200;
    std::string page(4096, 'r');
    Status status;
    for (int i = 0; i < kPages && status.ok(); ++i) {
      if (::pwrite(fd, page.data(), page.size(), off_t{i} * 4096) != 4096) {
        status = Status::FromErrno(errno, "pwrite " + path);
      }
    }
    if (status.ok() && ::fsync(fd) != 0) status = Status::FromErrno(errno, "fsync " + path);
    std::vector<double> latency;
    for (int i = 0; i < kWrites && status.ok(); ++i) {
      page[0] = static_cast<char>(i);
      auto t0 = Clock::now();
      if (::pwrite(fd, page.data(), page.size(), off_t{i % kPages} * 4096) != 4096 ||
          ::fdatasync(fd) != 0) {
        status = Status::FromErrno(errno, "pwrite+fdatasync " + path);
      }
      latency.push_back(Seconds(t0, Clock::now()) * 1e6);
    }
    ::close(fd);
    ::unlink(path.c_str());
    ROOKERY_RETURN_IF_ERROR(status);
    std::sort(latency.begin(), latency.end());
    Add("commit", "raw_p50_us", Percentile(latency, 50));
    Add("commit", "raw_p99_us", Percentile(latency, 99));
    return Status::Ok();
  }

  // Single-Put durable transactions of new keys N, N+1, ...; the latency of each.
  Status Commit(KvEngine& engine, const std::string& dir) {
    ROOKERY_RETURN_IF_ERROR(RawSyncProbe(dir));
    const uint64_t n = o_.commits;
    std::vector<std::string> values(n);
    for (uint64_t i = 0; i < n; ++i) MakeValue(o_.seed, o_.keys + i, o_.value_size, &values[i]);
    std::vector<double> latency(n);
    char key[kKeySize];
    Snapshot start(device_stat_);
    for (uint64_t i = 0; i < n; ++i) {
      MakeKey(o_.keys + i, key);
      auto t0 = Clock::now();
      ROOKERY_ASSIGN_OR_RETURN(auto txn, engine.BeginWrite());
      ROOKERY_RETURN_IF_ERROR(txn->Put(std::string_view(key, kKeySize), values[i]));
      ROOKERY_RETURN_IF_ERROR(txn->Commit());
      latency[i] = Seconds(t0, Clock::now()) * 1e6;
    }
    Snapshot end(device_stat_);
    std::sort(latency.begin(), latency.end());
    Add("commit", "rate", n / Seconds(start.wall, end.wall));
    Add("commit", "p50_us", Percentile(latency, 50));
    Add("commit", "p99_us", Percentile(latency, 99));
    Add("commit", "p999_us", Percentile(latency, 99.9));
    Add("commit", "cpu_us", (end.cpu_us - start.cpu_us) / n);
    if (start.written >= 0 && end.written >= 0)
      Add("commit", "written_bytes", (end.written - start.written) / n);
    return Status::Ok();
  }

 private:
  const BenchOptions& o_;
  const std::string device_stat_;
  RunResult* out_;
};

// A directory that exists, empty, for the lifetime of this object.
class FreshDir {
 public:
  explicit FreshDir(std::string path) : path_(std::move(path)) {}
  ~FreshDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Status Create() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (!std::filesystem::create_directories(path_, ec)) {
      return Status::IOError("cannot create " + path_ + ": " + ec.message());
    }
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

Status RunEngineOnce(const BenchOptions& options, const EngineFactory& factory,
                     const std::string& run_dir, RunResult* out) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  Runner runner(options, DeviceStatPath(run_dir), out);
  const bool random = options.Has("load-random");
  const bool seq = options.Has("load-seq");
  const bool on_loaded = options.Has("read") || options.Has("scan") || options.Has("commit");

  // The database that read, scan and commit use: load-random's, else load-seq's, else an untimed
  // sequential load.
  if (random || on_loaded) {
    FreshDir dir(run_dir + "/" + factory.id + (random ? "-load-random" : "-prepared"));
    ROOKERY_RETURN_IF_ERROR(dir.Create());
    std::unique_ptr<KvEngine> engine = factory.make();
    ROOKERY_RETURN_IF_ERROR(engine->Open(dir.path()));
    if (random) {
      ROOKERY_RETURN_IF_ERROR(runner.Load(
          *engine, dir.path(), Permutation(static_cast<uint32_t>(options.keys), options.seed + 1),
          "load-random"));
    } else {
      RunResult untimed;
      Runner prep(options, DeviceStatPath(run_dir), &untimed);
      ROOKERY_RETURN_IF_ERROR(prep.Load(*engine, dir.path(), {}, seq ? "load-seq" : "prepare"));
      // When load-seq is selected, this load is its measurement.
      if (seq) out->insert(out->end(), untimed.begin(), untimed.end());
    }
    if (options.Has("read")) ROOKERY_RETURN_IF_ERROR(runner.Read(*engine));
    if (options.Has("scan")) ROOKERY_RETURN_IF_ERROR(runner.Scan(*engine));
    if (options.Has("commit")) ROOKERY_RETURN_IF_ERROR(runner.Commit(*engine, dir.path()));
    ROOKERY_RETURN_IF_ERROR(engine->Close());
    if (!random) return Status::Ok();  // load-seq, if selected, was measured above
  }
  if (seq) {
    FreshDir dir(run_dir + "/" + factory.id + "-load-seq");
    ROOKERY_RETURN_IF_ERROR(dir.Create());
    std::unique_ptr<KvEngine> engine = factory.make();
    ROOKERY_RETURN_IF_ERROR(engine->Open(dir.path()));
    ROOKERY_RETURN_IF_ERROR(runner.Load(*engine, dir.path(), {}, "load-seq"));
    ROOKERY_RETURN_IF_ERROR(engine->Close());
  }
  return Status::Ok();
}

}  // namespace rookery::bench

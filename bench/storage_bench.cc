// storage_bench: Rookery's storage engine side by side with LMDB and RocksDB, in one run, every
// commit durable (design/storage.md §13). Writes a markdown report for docs/performance.md.
//
//   storage_bench [--keys N] [--runs R] [--engines lmdb,rocksdb,rookery]
//                 [--workloads load-random,load-seq,read,commit,scan] [--dir DIR] [--out FILE]
//                 [--reads N] [--commits N] [--batch N] [--value-size B] [--seed S]
//                 [--verify] [--no-fork] [--list-engines]
//
// Each (engine, run) executes in a child process of its own (unless --no-fork), so that one
// engine's memory, threads and caches cannot colour the next one's figures, and so that the
// child's peak RSS is the engine's. Runs are interleaved: run 1 of every engine, then run 2, ...
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/engines.h"
#include "bench/report.h"
#include "bench/runner.h"

#ifndef ROOKERY_BENCH_DEFAULT_DIR
#define ROOKERY_BENCH_DEFAULT_DIR "storage-bench-data"
#endif

namespace rookery::bench {
namespace {

constexpr char kUsage[] = R"(usage: storage_bench [options]
  --keys N           keys loaded (default 1000000)
  --runs R           interleaved runs per engine; figures are medians (default 3)
  --engines LIST     comma-separated subset of the compiled-in engines (default: all of them)
  --workloads LIST   comma-separated subset of load-random,load-seq,read,commit,scan (default all)
  --dir DIR          parent directory of the fresh per-run directories (default: under the build
                     directory); must be on the file system you mean to measure
  --out FILE         also write the markdown report to FILE
  --reads N          point reads per read pass (default: --keys)
  --commits N        single-put durable commits in the commit workload (default 2000)
  --batch N          puts per durable commit in the loads (default 1000)
  --value-size B     value size in bytes (default 1024)
  --seed S           data and key-choice seed (default 42)
  --rocksdb-cache-mib M  RocksDB block cache size (default 1024)
  --verify           compare every value read or scanned with the one written (slower)
  --no-fork          run everything in this process (no per-run peak RSS)
  --list-engines     print the compiled-in engine ids, one per line, and exit
)";

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string ParseArgs(int argc, char** argv, BenchOptions* o, bool* list_engines) {
  for (const auto& e : CompiledEngines()) o->engines.push_back(e.id);
  o->workloads = AllWorkloads();
  o->dir = ROOKERY_BENCH_DEFAULT_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char** v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    const char* v = nullptr;
    uint64_t n = 0;
    auto number = [&](uint64_t min) { return value(&v) && ParseUint(v, &n) && n >= min; };
    if (arg == "--list-engines") {
      *list_engines = true;
    } else if (arg == "--verify") {
      o->verify = true;
    } else if (arg == "--no-fork") {
      o->fork = false;
    } else if (arg == "--keys") {
      if (!number(1) || n >= (uint64_t{1} << 31)) return "--keys needs a number in [1, 2^31)";
      o->keys = n;
    } else if (arg == "--runs") {
      if (!number(1) || n > 99) return "--runs needs a number in [1, 99]";
      o->runs = static_cast<int>(n);
    } else if (arg == "--reads") {
      if (!number(1)) return "--reads needs a positive number";
      o->reads = n;
    } else if (arg == "--commits") {
      if (!number(1)) return "--commits needs a positive number";
      o->commits = n;
    } else if (arg == "--batch") {
      if (!number(1)) return "--batch needs a positive number";
      o->batch = n;
    } else if (arg == "--value-size") {
      if (!number(1) || n > (64u << 20)) return "--value-size needs a number in [1, 64 MiB]";
      o->value_size = n;
    } else if (arg == "--seed") {
      if (!number(0)) return "--seed needs a number";
      o->seed = n;
    } else if (arg == "--rocksdb-cache-mib") {
      if (!number(1) || n > (1u << 20)) return "--rocksdb-cache-mib needs a number in [1, 2^20]";
      MutableEngineTuning().rocksdb_block_cache_bytes = static_cast<size_t>(n) << 20;
    } else if (arg == "--engines") {
      if (!value(&v)) return "--engines needs a list";
      o->engines = SplitCommas(v);
      for (const auto& id : o->engines) {
        bool known = false;
        for (const auto& e : CompiledEngines()) known = known || e.id == id;
        if (!known) {
          std::string ids;
          for (const auto& e : CompiledEngines()) ids += (ids.empty() ? "" : ",") + e.id;
          return "engine '" + id + "' is not compiled in (compiled in: " + ids +
                 "; Rookery needs -DROOKERY_BENCH_WITH_ROOKERY=ON)";
        }
      }
      if (o->engines.empty()) return "--engines needs at least one engine";
    } else if (arg == "--workloads") {
      if (!value(&v)) return "--workloads needs a list";
      o->workloads = SplitCommas(v);
      for (const auto& w : o->workloads) {
        const auto& all = AllWorkloads();
        if (std::find(all.begin(), all.end(), w) == all.end()) {
          return "unknown workload '" + w + "' (known: load-random,load-seq,read,commit,scan)";
        }
      }
      if (o->workloads.empty()) return "--workloads needs at least one workload";
    } else if (arg == "--dir") {
      if (!value(&v)) return "--dir needs a directory";
      o->dir = v;
    } else if (arg == "--out") {
      if (!value(&v)) return "--out needs a file name";
      o->out = v;
    } else if (arg == "--help" || arg == "-h") {
      return "help";
    } else {
      return "unknown option '" + arg + "'";
    }
  }
  return "";
}

// Runs one (engine, run) in a child process and collects its figures through a pipe, plus the
// child's peak RSS.
Status RunInChild(const BenchOptions& o, const EngineFactory& factory, const std::string& run_dir,
                  RunResult* out) {
  int fds[2];
  if (pipe(fds) != 0) return Status::FromErrno(errno, "pipe");
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    close(fds[0]);
    RunResult result;
    Status s = RunEngineOnce(o, factory, run_dir, &result);
    if (!s.ok()) {
      std::fprintf(stderr, "storage_bench: %s: %s\n", factory.id.c_str(), s.ToString().c_str());
      _exit(1);
    }
    std::string text;
    char buf[64];
    for (const Measurement& m : result) {
      std::snprintf(buf, sizeof(buf), "%.17g", m.value);
      text += m.workload + " " + m.metric + " " + buf + "\n";
    }
    for (size_t off = 0; off < text.size();) {
      ssize_t w = write(fds[1], text.data() + off, text.size() - off);
      if (w <= 0) _exit(2);
      off += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t r; (r = read(fds[0], buf, sizeof(buf))) != 0;) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    text.append(buf, static_cast<size_t>(r));
  }
  close(fds[0]);
  int wstatus = 0;
  struct rusage ru;
  if (wait4(pid, &wstatus, 0, &ru) < 0) return Status::FromErrno(errno, "wait4");
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Aborted("the " + factory.id + " run failed (exit status " +
                           std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) +
                           "; its error is printed above)");
  }
  std::istringstream in(text);
  Measurement m;
  while (in >> m.workload >> m.metric >> m.value) out->push_back(m);
  out->push_back({"run", "peak_rss", static_cast<double>(ru.ru_maxrss) * 1024.0});
  return Status::Ok();
}

int Main(int argc, char** argv) {
  BenchOptions o;
  bool list_engines = false;
  std::string error = ParseArgs(argc, argv, &o, &list_engines);
  if (error == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "storage_bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (list_engines) {
    for (const auto& e : CompiledEngines()) std::printf("%s\n", e.id.c_str());
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (!std::filesystem::is_directory(o.dir)) {
    std::fprintf(stderr, "storage_bench: cannot create the benchmark directory %s: %s\n",
                 o.dir.c_str(), ec.message().c_str());
    return 1;
  }
  o.dir = std::filesystem::absolute(o.dir).lexically_normal().string();

  ReportContext context;
  for (int i = 0; i < argc; ++i) context.command_line += (i ? " " : "") + ShellQuote(argv[i]);
  if (const char* via = std::getenv("ROOKERY_BENCH_INVOKED_AS")) context.invoked_as = via;
  DescribeMachine(o.dir, &context);
  context.dir = o.dir;
  context.loadavg_start = LoadAverage();
  const auto started = std::chrono::steady_clock::now();

  std::vector<EngineRuns> engines;
  std::vector<const EngineFactory*> factories;
  for (const auto& id : o.engines) {
    for (const auto& f : CompiledEngines()) {
      if (f.id != id) continue;
      auto probe = f.make();  // for its name and description; never opened
      engines.push_back({f.id, probe->name(), probe->Description(), {}});
      factories.push_back(&f);
    }
  }
  std::fprintf(stderr, "storage_bench: %s\n  %llu keys, %d run(s), load average %s, in %s\n",
               context.command_line.c_str(), static_cast<unsigned long long>(o.keys), o.runs,
               context.loadavg_start.c_str(), o.dir.c_str());
  for (int run = 0; run < o.runs; ++run) {
    for (size_t e = 0; e < engines.size(); ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::string run_dir = o.dir + "/run" + std::to_string(run + 1);
      RunResult result;
      Status s = o.fork ? RunInChild(o, *factories[e], run_dir, &result)
                        : RunEngineOnce(o, *factories[e], run_dir, &result);
      std::filesystem::remove_all(run_dir, ec);
      if (!s.ok()) {
        std::fprintf(stderr, "storage_bench: run %d of %s failed: %s\n", run + 1,
                     engines[e].name.c_str(), s.ToString().c_str());
        return 1;
      }
      std::string summary;
      char buf[96];
      for (const Measurement& m : result) {
        if (m.metric == "rate" || m.metric == "u1.rate") {
          std::snprintf(buf, sizeof(buf), " %s %.0f/s", m.workload.c_str(), m.value);
          summary += buf;
        }
      }
      std::fprintf(stderr, "  run %d/%d %-8s %.1f s:%s\n", run + 1, o.runs, engines[e].name.c_str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                   summary.c_str());
      engines[e].runs.push_back(std::move(result));
    }
  }
  context.loadavg_end = LoadAverage();
  context.minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;

  const std::string report = RenderReport(o, context, engines);
  std::fputs(report.c_str(), stdout);
  if (!o.out.empty()) {
    std::ofstream out(o.out, std::ios::trunc);
    out << report;
    out.close();
    if (!out) {
      std::fprintf(stderr, "storage_bench: cannot write %s\n", o.out.c_str());
      return 1;
    }
    std::fprintf(stderr, "storage_bench: report written to %s\n", o.out.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace rookery::bench

int main(int argc, char** argv) {
  return rookery::bench::Main(argc, argv);
}

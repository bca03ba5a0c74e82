// docs_bench: Rookery's document server side by side with PostgreSQL 15 in the same run (issue 4):
// durable batched inserts, then random reads by id on 1 and on C connections, both servers
// started by the benchmark on loopback in temporary directories. Writes a markdown report for
// docs/performance.md. See docs_workload.h for what is measured, doc_systems.h for how each
// system runs.
//
//   docs_bench [--docs N] [--get-requests N] [--connections C] [--runs R] [--batch N]
//              [--doc-size B] [--systems rookery,postgres] [--dir DIR] [--out FILE]
//              [--rookery PATH] [--pg-bin DIR] [--seed S]
//
// Runs are interleaved with the order alternating (R P, P R, ...); each (system, run) gets a fresh
// server and directory, and only one server runs at a time.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/docs_report.h"
#include "bench/docs_workload.h"

#ifndef ROOKERY_BENCH_ROOKERY_BINARY
#define ROOKERY_BENCH_ROOKERY_BINARY ""
#endif
#ifndef ROOKERY_BENCH_DEFAULT_DOCS_DIR
#define ROOKERY_BENCH_DEFAULT_DOCS_DIR "docs-bench-data"
#endif

namespace rookery::bench {
namespace {

constexpr char kUsage[] = R"(usage: docs_bench [options]
  --docs N           documents to insert (default 1000000)
  --batch N          documents per bulk_docs request / INSERT transaction (default 1000)
  --doc-size B       bytes of JSON per document, >= 400 (default 1024)
  --get-requests N   random GETs by id per pass (default 200000)
  --connections C    connections (threads) of the concurrent GET pass (default 16)
  --runs R           runs per system, interleaved; the report shows medians (default 1)
  --systems LIST     rookery,postgres (default both)
  --dir DIR          where the servers' temporary directories go (default: under the build dir)
  --out FILE         also write the markdown report here
  --rookery PATH     the rookery binary (default: the one built with this benchmark)
  --pg-bin DIR       PostgreSQL's bin directory (default /usr/lib/postgresql/15/bin)
  --seed S           data and key-choice seed (default 42)
)";

std::string ParseArgs(int argc, char** argv, DocsOptions* o) {
  o->dir = ROOKERY_BENCH_DEFAULT_DOCS_DIR;
  o->system.rookery_binary = ROOKERY_BENCH_ROOKERY_BINARY;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return "help";
    if (i + 1 >= argc) return "option '" + arg + "' needs a value (or is unknown)";
    const char* v = argv[++i];
    uint64_t n = 0;
    const bool is_number = ParseUint(v, &n);
    auto need = [&](uint64_t min) { return is_number && n >= min; };
    if (arg == "--docs" && need(1)) {
      o->docs = n;
    } else if (arg == "--batch" && need(1)) {
      o->batch = n;
    } else if (arg == "--doc-size" && need(400)) {
      o->doc_size = n;
    } else if (arg == "--get-requests" && need(1)) {
      o->get_requests = n;
    } else if (arg == "--connections" && need(1) && n <= 60) {
      o->connections = static_cast<unsigned>(n);
    } else if (arg == "--runs" && need(1) && n <= 99) {
      o->runs = static_cast<int>(n);
    } else if (arg == "--seed" && is_number) {
      o->seed = n;
    } else if (arg == "--systems") {
      o->systems.clear();
      std::string list = v;
      for (size_t at = 0; at <= list.size();) {
        size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        std::string id = list.substr(at, comma - at);
        if (id != "rookery" && id != "postgres") return "unknown system '" + id + "'";
        o->systems.push_back(id);
        at = comma + 1;
      }
    } else if (arg == "--dir") {
      o->dir = v;
    } else if (arg == "--out") {
      o->out = v;
    } else if (arg == "--rookery") {
      o->system.rookery_binary = v;
    } else if (arg == "--pg-bin") {
      o->system.postgres_bin_dir = v;
    } else {
      return "bad option or value: " + arg + " " + v;
    }
  }
  if (o->docs > 0xffffffffULL) return "--docs must be below 2^32";
  return "";
}

Result<std::unique_ptr<DocSystem>> StartSystem(const std::string& id, const DocsOptions& o) {
  return id == "rookery" ? StartRookery(o.system) : StartPostgres(o.system);
}

int Main(int argc, char** argv) {
  DocsOptions o;
  const std::string error = ParseArgs(argc, argv, &o);
  if (error == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "docs_bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (!std::filesystem::is_directory(o.dir)) {
    std::fprintf(stderr, "docs_bench: cannot create %s: %s\n", o.dir.c_str(), ec.message().c_str());
    return 1;
  }
  o.dir = std::filesystem::absolute(o.dir).lexically_normal().string();
  o.system.parent_dir = o.dir;

  for (const auto& id : o.systems) {
    if (id != "postgres") continue;
    if (Status s = CheckPostgresInstalled(o.system); !s.ok()) {
      std::fprintf(stderr, "docs_bench: cannot run PostgreSQL: %s\n", s.ToString().c_str());
      return 1;
    }
  }

  ReportContext context;
  for (int i = 0; i < argc; ++i) context.command_line += (i ? " " : "") + ShellQuote(argv[i]);
  if (const char* via = std::getenv("ROOKERY_BENCH_INVOKED_AS")) context.invoked_as = via;
  DescribeMachine(o.dir, &context);
  context.dir = o.dir;
  context.loadavg_start = LoadAverage();
  const auto started = std::chrono::steady_clock::now();
  std::fprintf(stderr, "docs_bench: %s\n  %llu docs, %d run(s), load average %s, in %s\n",
               context.command_line.c_str(), static_cast<unsigned long long>(o.docs), o.runs,
               context.loadavg_start.c_str(), o.dir.c_str());

  std::vector<SystemRuns> systems;
  for (const auto& id : o.systems) systems.push_back({id, "", "", {}});
  for (int run = 0; run < o.runs; ++run) {
    for (size_t k = 0; k < systems.size(); ++k) {
      // Alternate the order, so that neither system always runs on the warmer (or busier) half.
      SystemRuns& s = systems[run % 2 == 0 ? k : systems.size() - 1 - k];
      std::fprintf(stderr, "  run %d/%d %s (load average %s)\n", run + 1, o.runs, s.id.c_str(),
                   LoadAverage().c_str());
      auto system = StartSystem(s.id, o);
      if (!system.ok()) {
        std::fprintf(stderr, "docs_bench: cannot start %s: %s\n", s.id.c_str(),
                     system.status().ToString().c_str());
        return 1;
      }
      s.name = (*system)->name();
      s.description = (*system)->description();
      DocsRun result;
      Status st = RunDocsOnce(o, **system, run, &result);
      Status stopped = (*system)->Stop();
      if (!st.ok() || !stopped.ok()) {
        std::fprintf(stderr, "docs_bench: run %d of %s failed: %s\n", run + 1, s.name.c_str(),
                     (st.ok() ? stopped : st).ToString().c_str());
        return 1;
      }
      s.runs.push_back(result);
    }
  }
  context.loadavg_end = LoadAverage();
  context.minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;

  const std::string report = RenderDocsReport(o, context, systems);
  std::fputs(report.c_str(), stdout);
  if (!o.out.empty()) {
    std::ofstream out(o.out, std::ios::trunc);
    out << report;
    out.close();
    if (!out) {
      std::fprintf(stderr, "docs_bench: cannot write %s\n", o.out.c_str());
      return 1;
    }
    std::fprintf(stderr, "docs_bench: report written to %s\n", o.out.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace rookery::bench

int main(int argc, char** argv) {
  return rookery::bench::Main(argc, argv);
}

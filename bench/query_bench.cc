// query_bench: Rookery's queries and automatic indexes side by side with PostgreSQL 15 (issue 5):
// N documents loaded into each system, the index build timed, then equality queries and range +
// sort queries on 1 and C connections over loopback. Each system runs in turn in a fresh server
// and temporary directory (doc_systems.h); query_workload.h says what is measured. Writes a
// markdown report for docs/performance.md.
//
//   query_bench [--docs N] [--eq-queries N] [--range-queries N] [--connections C] [--batch N]
//               [--doc-size B] [--systems rookery,postgres] [--dir DIR] [--out FILE]
//               [--rookery PATH] [--pg-bin DIR] [--seed S]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "bench/query_report.h"
#include "bench/query_workload.h"

#ifndef ROOKERY_BENCH_ROOKERY_BINARY
#define ROOKERY_BENCH_ROOKERY_BINARY ""
#endif
#ifndef ROOKERY_BENCH_DEFAULT_QUERY_DIR
#define ROOKERY_BENCH_DEFAULT_QUERY_DIR "query-bench-data"
#endif

namespace rookery::bench {
namespace {

constexpr char kUsage[] = R"(usage: query_bench [options]
  --docs N            documents to load, >= 100 (default 1000000)
  --eq-queries N      equality queries per pass (default 20000)
  --range-queries N   range + sort queries per pass (default 5000)
  --connections C     connections (threads) of the concurrent passes (default 16)
  --batch N           documents per bulk_docs request / INSERT transaction (default 1000)
  --doc-size B        bytes of JSON per document, >= 400 (default 1024)
  --systems LIST      rookery,postgres (default both, in that order)
  --dir DIR           where the servers' temporary directories go (default: under the build dir)
  --out FILE          also write the markdown report here
  --rookery PATH      the rookery binary (default: the one built with this benchmark)
  --pg-bin DIR        PostgreSQL's bin directory (default /usr/lib/postgresql/15/bin)
  --seed S            data and argument seed (default 42)
)";

// Empty on success, "help", or what is wrong.
std::string ParseOptions(int argc, char** argv, QueryOptions* o) {
  o->dir = ROOKERY_BENCH_DEFAULT_QUERY_DIR;
  o->system.rookery_binary = ROOKERY_BENCH_ROOKERY_BINARY;
  struct Count {
    const char* flag;
    uint64_t min, max;
    uint64_t* into;
  };
  uint64_t batch = o->batch, doc_size = o->doc_size, connections = o->connections;
  const Count counts[] = {{"--docs", 100, 0xffffffffULL, &o->docs},
                          {"--eq-queries", 1, UINT64_MAX, &o->eq_queries},
                          {"--range-queries", 1, UINT64_MAX, &o->range_queries},
                          {"--connections", 1, 60, &connections},
                          {"--batch", 1, 100'000, &batch},
                          {"--doc-size", 400, 1 << 20, &doc_size},
                          {"--seed", 0, UINT64_MAX, &o->seed}};
  const std::pair<const char*, std::string*> texts[] = {{"--dir", &o->dir},
                                                        {"--out", &o->out},
                                                        {"--rookery", &o->system.rookery_binary},
                                                        {"--pg-bin", &o->system.postgres_bin_dir}};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return "help";
    if (i + 1 >= argc) return "option '" + flag + "' needs a value (or is unknown)";
    const char* value = argv[++i];
    bool known = false;
    for (const Count& c : counts) {
      if (flag != c.flag) continue;
      uint64_t n = 0;
      if (!ParseUint(value, &n) || n < c.min || n > c.max) {
        return flag + " needs a number in [" + std::to_string(c.min) + ", " +
               std::to_string(c.max) + "], got '" + value + "'";
      }
      *c.into = n;
      known = true;
    }
    for (const auto& [name, into] : texts) {
      if (flag == name) {
        *into = value;
        known = true;
      }
    }
    if (flag == "--systems") {
      o->systems.clear();
      for (const char* at = value; *at;) {
        const char* comma = std::strchr(at, ',');
        std::string id(at, comma ? comma : at + std::strlen(at));
        if (id != "rookery" && id != "postgres") return "unknown system '" + id + "'";
        o->systems.push_back(id);
        at = comma ? comma + 1 : at + std::strlen(at);
      }
      known = !o->systems.empty();
    }
    if (!known) return "unknown option or bad value: " + flag + " " + value;
  }
  o->batch = batch;
  o->doc_size = doc_size;
  o->connections = static_cast<unsigned>(connections);
  return "";
}

// One system: start, load, build, query, stop. The server is stopped on every path.
Status RunSystem(const QueryOptions& o, const std::string& id, QueryRun* run) {
  auto system = id == "rookery" ? StartRookery(o.system) : StartPostgres(o.system);
  if (!system.ok()) return system.status().WithContext("starting " + id);
  run->id = id;
  run->name = (*system)->name();
  run->description = (*system)->description();
  Status s;
  auto driver = MakeQueryDriver(id, **system);
  s = driver.ok() ? RunQueryBench(o, **system, **driver, run) : driver.status();
  Status stopped = (*system)->Stop();
  return s.ok() ? stopped : s;
}

int Main(int argc, char** argv) {
  QueryOptions o;
  const std::string error = ParseOptions(argc, argv, &o);
  if (error == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "query_bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (!std::filesystem::is_directory(o.dir)) {
    std::fprintf(stderr, "query_bench: cannot create %s\n", o.dir.c_str());
    return 1;
  }
  o.dir = std::filesystem::absolute(o.dir).lexically_normal().string();
  o.system.parent_dir = o.dir;
  for (const std::string& id : o.systems) {
    Status s = id == "postgres" ? CheckPostgresInstalled(o.system) : Status::Ok();
    if (!s.ok()) {
      std::fprintf(stderr, "query_bench: cannot run PostgreSQL: %s\n", s.ToString().c_str());
      return 1;
    }
  }

  ReportContext context;
  BeginReport(argc, argv, o.dir, &context);
  const auto started = std::chrono::steady_clock::now();
  std::fprintf(stderr, "query_bench: %s\n  %llu docs, load average %s, in %s\n",
               context.command_line.c_str(), static_cast<unsigned long long>(o.docs),
               context.loadavg_start.c_str(), o.dir.c_str());

  std::vector<QueryRun> runs;
  for (const std::string& id : o.systems) {
    std::fprintf(stderr, "  %s (load average %s)\n", id.c_str(), LoadAverage().c_str());
    runs.emplace_back();
    if (Status s = RunSystem(o, id, &runs.back()); !s.ok()) {
      std::fprintf(stderr, "query_bench: %s failed: %s\n", id.c_str(), s.ToString().c_str());
      return 1;
    }
  }
  context.loadavg_end = LoadAverage();
  context.minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;

  return EmitReport(RenderQueryReport(o, context, runs), o.out, "query_bench") ? 0 : 1;
}

}  // namespace
}  // namespace rookery::bench

int main(int argc, char** argv) {
  return rookery::bench::Main(argc, argv);
}

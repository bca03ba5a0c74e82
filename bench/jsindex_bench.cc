// jsindex_bench: a JavaScript map/reduce index (count and sum of Total per company) built over N
// orders on Rookery's one indexing thread, beside PostgreSQL 15's REFRESH MATERIALIZED VIEW of
// the same GROUP BY over the same rows as JSONB (issue 6); then the time to reflect one changed
// document. Writes a markdown report for docs/performance.md.
//
// Rookery runs in process: a documents::Database and an indexing::IndexManager in a temporary
// directory (the server's HTTP layer adds nothing to the indexing thread's work). The build is
// timed from PutStatic to non-stale, with the CPU time of every thread but the waiting main one.
// A change is timed from the return of the commit that wrote it (Database::Execute) until the
// index's covered etag reaches that commit (the index transaction holding the new group result
// is durable and visible to queries).
//
//   jsindex_bench [--docs N] [--companies N] [--changes N] [--pg-changes N] [--pg-refreshes N]
//                 [--batch N] [--systems rookery,postgres] [--dir DIR] [--out FILE]
//                 [--pg-bin DIR] [--seed S]
#include <sched.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bench/bench_util.h"
#include "bench/jsindex_workload.h"
#include "bench/timed_pass.h"
#include "documents/database.h"
#include "indexing/index_manager.h"
#include "platform/env.h"

#ifndef ROOKERY_BENCH_DEFAULT_JSINDEX_DIR
#define ROOKERY_BENCH_DEFAULT_JSINDEX_DIR "jsindex-bench-data"
#endif

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] = R"(usage: jsindex_bench [options]
  --docs N          orders to load (default 1000000)
  --companies N     distinct companies, the groups (default 1000)
  --changes N       single-order changes timed on Rookery (default 200)
  --pg-changes N    single-row changes on PostgreSQL, each reflected by a REFRESH (default 5)
  --pg-refreshes N  timed REFRESHes of the loaded view (default 3)
  --batch N         documents per load transaction (default 1000)
  --systems LIST    rookery,postgres (default both)
  --dir DIR         where the temporary directories go (default: under the build dir)
  --out FILE        also write the markdown report here
  --pg-bin DIR      PostgreSQL's bin directory (default /usr/lib/postgresql/15/bin)
  --seed S          data seed (default 42)
)";

constexpr char kMap[] = "map('Orders', o => ({ Company: o.Company, Count: 1, Total: o.Total }))";
constexpr char kReduce[] =
    "groupBy(x => x.Company).aggregate(g => ({ Company: g.key, "
    "Count: g.values.reduce((a, b) => a + b.Count, 0), "
    "Total: g.values.reduce((a, b) => a + b.Total, 0) }))";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of every thread of this process but the calling one.
double OtherThreadsCpuSeconds() {
  return CpuSeconds(RUSAGE_SELF) - CpuSeconds(RUSAGE_THREAD);
}

struct RookeryRun {
  double load_seconds = 0;
  double build_seconds = 0;
  double build_cpu_seconds = 0;
  std::string build_loadavg;
  std::vector<float> change_us;            // from Execute's return
  std::vector<float> change_from_call_us;  // from Execute's call
  double change_cpu_seconds = 0;           // indexing CPU over all changes
  uint64_t index_bytes = 0;
};

Status ExecuteOne(documents::Database& db, const std::string& id, const std::string& text) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value doc, json::Parse(text));
  doc.Set("@metadata", json::Value::Object({{"@collection", json::Value::String("Orders")}}));
  std::vector<documents::Command> c;
  c.push_back(documents::PutCommand{id, std::move(doc), std::nullopt});
  return db.Execute(std::move(c)).status();
}

Result<Groups> ReadIndex(indexing::Index& index) {
  ROOKERY_ASSIGN_OR_RETURN(auto snapshot, index.Snapshot());
  Groups out;
  Status bad;
  ROOKERY_RETURN_IF_ERROR(snapshot->ForEachJsResult([&](json::Value& r) {
    const json::Value* company = r.Find("Company");
    const json::Value* count = r.Find("Count");
    const json::Value* total = r.Find("Total");
    if (company == nullptr || !company->is_string() || count == nullptr || total == nullptr ||
        !count->is_number() || !total->is_number()) {
      bad = Status::Corruption("unexpected reduce result " + json::Serialize(r));
      return false;
    }
    Group& g = out[company->as_string()];
    g.count += count->as_uint();
    g.total += total->as_double();
    return true;
  }));
  ROOKERY_RETURN_IF_ERROR(bad);
  return out;
}

Status RunRookery(const JsIndexOptions& o, Orders& orders, RookeryRun* run) {
  auto env = platform::NewPosixEnv();
  ROOKERY_ASSIGN_OR_RETURN(std::string dir, MakeTempDir(o.dir, "rookery-"));
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  ROOKERY_ASSIGN_OR_RETURN(auto db, documents::Database::Open(*env, dir + "/db"));

  auto t0 = Clock::now();
  for (uint64_t n = 0; n < o.docs;) {
    std::vector<documents::Command> batch;
    for (uint64_t end = std::min(o.docs, n + o.batch); n < end; ++n) {
      ROOKERY_ASSIGN_OR_RETURN(json::Value doc, json::Parse(orders.Next(n)));
      doc.Set("@metadata", json::Value::Object({{"@collection", json::Value::String("Orders")}}));
      batch.push_back(documents::PutCommand{Orders::Id(n), std::move(doc), std::nullopt});
    }
    ROOKERY_RETURN_IF_ERROR(db->Execute(std::move(batch)).status());
  }
  run->load_seconds = Seconds(t0);

  ROOKERY_ASSIGN_OR_RETURN(auto manager, indexing::IndexManager::Open(*env, dir + "/db", *db));
  json::Value raven =
      json::Value::Object({{"Name", json::Value::String("Orders/ByCompany")},
                           {"Maps", json::Value::Array({json::Value::String(kMap)})},
                           {"Reduce", json::Value::String(kReduce)}});
  ROOKERY_ASSIGN_OR_RETURN(auto definition, indexing::StaticDefinitionFromRavenJson(raven));

  double cpu0 = OtherThreadsCpuSeconds();
  t0 = Clock::now();
  ROOKERY_ASSIGN_OR_RETURN(auto index, manager->PutStatic(std::move(definition)));
  bool fresh = false;
  while (!fresh && Seconds(t0) < 3600) {
    ROOKERY_ASSIGN_OR_RETURN(fresh, manager->WaitForNonStale(*index, 100 * 1000));
    if (std::string e = manager->ErrorOf(index->name()); !e.empty()) {
      return Status::Internal("indexing failed: " + e);
    }
  }
  run->build_seconds = Seconds(t0);
  run->build_cpu_seconds = OtherThreadsCpuSeconds() - cpu0;
  run->build_loadavg = LoadAverage();
  if (!fresh) return Status::Timeout("the index did not finish building within an hour");
  if (index->stats().map_errors + index->stats().reduce_errors != 0) {
    return Status::Internal("the index recorded errors: " + index->stats().last_error);
  }
  ROOKERY_ASSIGN_OR_RETURN(Groups groups, ReadIndex(*index));
  std::string diff = CompareGroups(orders.expected(), groups);
  if (!diff.empty()) return Status::Corruption("Rookery's index differs after the build:\n" + diff);

  // One change at a time, the indexing thread idle before each.
  cpu0 = OtherThreadsCpuSeconds();
  for (uint64_t i = 0; i < o.changes; ++i) {
    const uint64_t n = orders.rng()() % o.docs;
    const auto called = Clock::now();
    ROOKERY_RETURN_IF_ERROR(ExecuteOne(*db, Orders::Id(n), orders.Change(n)));
    const uint64_t etag = db->LastEtag();
    t0 = Clock::now();
    while (index->covered_etag() < etag) {
      if (Seconds(t0) > 60) return Status::Timeout("a change was not indexed within 60 s");
      sched_yield();
    }
    run->change_us.push_back(static_cast<float>(Seconds(t0) * 1e6));
    // The indexing thread is woken by the commit itself, so it may be well along by the time the
    // writer sees Execute return: also from the call (the document's durable commit included).
    run->change_from_call_us.push_back(static_cast<float>(Seconds(called) * 1e6));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  run->change_cpu_seconds = OtherThreadsCpuSeconds() - cpu0;
  ROOKERY_ASSIGN_OR_RETURN(groups, ReadIndex(*index));
  diff = CompareGroups(orders.expected(), groups);
  if (!diff.empty()) return Status::Corruption("Rookery's index differs after changes:\n" + diff);
  run->index_bytes = DiskBytes(dir + "/db/Indexes");
  index.reset();
  manager.reset();
  return Status::Ok();
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Grouped(double v) {
  std::string digits = Fixed(v, 0);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Render(const JsIndexOptions& o, const ReportContext& c, const RookeryRun* rookery,
                   const PostgresRun* pg) {
  std::string md;
  auto line = [&md](const std::string& s) { md += s + "\n"; };
  const double docs = static_cast<double>(o.docs);
  line("## JavaScript map/reduce index vs PostgreSQL");
  line("");
  line("- Command: `" + c.command_line + "`" +
       (c.invoked_as.empty() ? "" : " (as `" + c.invoked_as + "`)"));
  line("- Machine: " + c.cpu_model + ", " + std::to_string(c.nproc) + " cores, " +
       Fixed(c.mem_gib, 1) + " GiB, kernel " + c.kernel + ", " + c.fs_type + " at " + c.dir);
  line("- Date: " + c.date_utc + "; load average (1, 5, 15 min): " + c.loadavg_start +
       " at start, " + c.loadavg_end + " at end; " + Fixed(c.minutes, 1) + " minutes");
  line("- Data: " + Grouped(docs) + " orders (~350 bytes of JSON each) over " +
       Grouped(static_cast<double>(o.companies)) + " companies, seed " + std::to_string(o.seed));
  line("- Index: `" + std::string(kMap) + "` + `" + kReduce + "`");
  line(
      "- PostgreSQL: `CREATE MATERIALIZED VIEW company_totals AS SELECT data->>'Company', "
      "count(*), sum((data->>'Total')::float8) FROM docs GROUP BY 1`, "
      "max_parallel_workers_per_gather = 0 (one backend)");
  line(
      "- Results: the groups of each system equal the expected counts and sums, computed while "
      "generating the data (checked after the build and after the changes)");
  line("");
  line("| system | step | seconds | docs/s | CPU s | CPU µs/doc |");
  line("|---|---|---|---|---|---|");
  double pg_refresh = 0;
  if (rookery != nullptr) {
    line("| Rookery | load (in process, " + std::to_string(o.batch) + " docs per transaction) | " +
         Fixed(rookery->load_seconds, 2) + " | " + Grouped(docs / rookery->load_seconds) +
         " | | |");
    line("| Rookery | index build, etag 0 to non-stale (load average " + rookery->build_loadavg +
         ") | " + Fixed(rookery->build_seconds, 2) + " | " +
         Grouped(docs / rookery->build_seconds) + " | " + Fixed(rookery->build_cpu_seconds, 2) +
         " | " + Fixed(rookery->build_cpu_seconds / docs * 1e6, 2) + " |");
  }
  if (pg != nullptr) {
    line("| PostgreSQL " + pg->version + " | load (COPY + VACUUM ANALYZE) | " +
         Fixed(pg->load_seconds, 2) + " | " + Grouped(docs / pg->load_seconds) + " | | |");
    std::vector<double> cpu = pg->refresh_cpu_seconds;
    pg_refresh = Median(pg->refresh_seconds);
    line("| PostgreSQL " + pg->version + " | REFRESH MATERIALIZED VIEW (median of " +
         std::to_string(pg->refresh_seconds.size()) + ") | " + Fixed(pg_refresh, 2) + " | " +
         Grouped(docs / pg_refresh) + " | " + Fixed(Median(cpu), 2) + " | " +
         Fixed(Median(cpu) / docs * 1e6, 2) + " |");
  }
  line("");
  if (rookery != nullptr) {
    const double rate = docs / rookery->build_seconds;
    std::string target = "- Target: build ≥ 250,000 docs/s: " + Grouped(rate) + " docs/s, " +
                         (rate >= 250000 ? "met" : "missed");
    if (pg != nullptr) {
      const double ratio = pg_refresh / rookery->build_seconds;
      target += "; ≥ 1.0x PostgreSQL's REFRESH: " + Fixed(ratio, 2) + "x, " +
                (ratio >= 1.0 ? "met" : "missed");
    }
    line(target);
    std::vector<float> us = rookery->change_us;
    const double p50 = Quantile(us, 0.5), p99 = Quantile(us, 0.99), max = Quantile(us, 1.0);
    line("- Change latency (Rookery, " + std::to_string(us.size()) +
         " single-order changes, from the commit's return to the index covering it): p50 " +
         Fixed(p50, 0) + " µs, p99 " + Fixed(p99, 0) + " µs, max " + Fixed(max, 0) +
         " µs; CPU of every thread but the writer's (the commit and the indexing) " +
         Fixed(rookery->change_cpu_seconds / us.size() * 1e6, 0) +
         " µs per change. Target < 1 ms: " + (p99 < 1000 ? "met (p99)" : "missed (p99)"));
    std::vector<float> call = rookery->change_from_call_us;
    line("- The same from the write's call (its durable commit included): p50 " +
         Fixed(Quantile(call, 0.5), 0) + " µs, p99 " + Fixed(Quantile(call, 0.99), 0) + " µs");
    line("- Index size on disk: " + Fixed(rookery->index_bytes / 1048576.0, 1) + " MiB");
  }
  if (pg != nullptr && !pg->change_seconds.empty()) {
    line("- PostgreSQL reflects a change only by a REFRESH: median " +
         Fixed(Median(pg->change_seconds) * 1e3, 0) + " ms over " +
         std::to_string(pg->change_seconds.size()) + " one-row UPDATEs");
  }
  return md;
}

std::string ParseOptions(int argc, char** argv, JsIndexOptions* o) {
  o->dir = ROOKERY_BENCH_DEFAULT_JSINDEX_DIR;
  struct Count {
    const char* flag;
    uint64_t min, max;
    uint64_t* into;
  };
  const Count counts[] = {
      {"--docs", 10, 0xffffffffULL, &o->docs},      {"--companies", 1, 10'000'000, &o->companies},
      {"--changes", 1, 1'000'000, &o->changes},     {"--pg-changes", 0, 1000, &o->pg_changes},
      {"--pg-refreshes", 1, 100, &o->pg_refreshes}, {"--batch", 1, 100'000, &o->batch},
      {"--seed", 0, UINT64_MAX, &o->seed}};
  const std::pair<const char*, std::string*> texts[] = {
      {"--dir", &o->dir}, {"--out", &o->out}, {"--pg-bin", &o->system.postgres_bin_dir}};
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
  if (o->companies > o->docs) return "--companies must not exceed --docs";
  return "";
}

int Main(int argc, char** argv) {
  JsIndexOptions o;
  const std::string error = ParseOptions(argc, argv, &o);
  if (error == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "jsindex_bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  o.dir = std::filesystem::absolute(o.dir).lexically_normal().string();
  o.system.parent_dir = o.dir;
  const auto start = Clock::now();
  ReportContext context;
  BeginReport(argc, argv, o.dir, &context);
  bool want_rookery = false, want_pg = false;
  for (const std::string& s : o.systems) (s == "rookery" ? want_rookery : want_pg) = true;
  if (want_pg) {
    Status s = CheckPostgresInstalled(o.system);
    if (!s.ok()) {
      std::fprintf(stderr, "jsindex_bench: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  RookeryRun rookery;
  PostgresRun pg;
  if (want_rookery) {
    Orders orders(o);
    Status s = RunRookery(o, orders, &rookery);
    if (!s.ok()) {
      std::fprintf(stderr, "jsindex_bench: Rookery: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (want_pg) {
    Orders orders(o);
    Status s = RunPostgres(o, orders, &pg);
    if (!s.ok()) {
      std::fprintf(stderr, "jsindex_bench: PostgreSQL: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  context.loadavg_end = LoadAverage();
  context.minutes = Seconds(start) / 60;
  const std::string md =
      Render(o, context, want_rookery ? &rookery : nullptr, want_pg ? &pg : nullptr);
  return EmitReport(md, o.out, "jsindex_bench") ? 0 : 1;
}

}  // namespace
}  // namespace rookery::bench

int main(int argc, char** argv) {
  return rookery::bench::Main(argc, argv);
}

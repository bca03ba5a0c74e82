#include "bench/query_report.h"

#include <cmath>
#include <cstdio>

namespace rookery::bench {
namespace {

const QueryRun* FindRun(const std::vector<QueryRun>& runs, const std::string& id) {
  for (const QueryRun& r : runs) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string Grouped(double v) {
  if (!std::isfinite(v)) return "n/a";
  if (v < 100) return Fixed(v, 2);
  std::string digits = Fixed(v, 0);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string RenderQueryReport(const QueryOptions& o, const ReportContext& c,
                              const std::vector<QueryRun>& runs) {
  std::string md;
  auto line = [&md](const std::string& s) { md += s + "\n"; };
  const std::string conns = std::to_string(o.connections);
  line("## Queries vs PostgreSQL (`bench/query_bench`)");
  line("");
  line("- Command: `" + c.command_line + "`" +
       (c.invoked_as.empty() ? "" : " (run by `" + c.invoked_as + "`)"));
  line("- Date: " + c.date_utc + "; total " + Fixed(c.minutes, 1) + " min");
  line("- Machine: " + std::to_string(c.nproc) + " CPUs (nproc), " + c.cpu_model + ", " +
       Fixed(c.mem_gib, 1) + " GiB RAM, Linux " + c.kernel +
       "; the benchmark's client threads and the server share these CPUs");
  line("- Directory: `" + c.dir + "` (" + c.fs_type + "); a fresh temporary directory per server");
  line("- Load average (1, 5, 15 min): " + c.loadavg_start + " at start, " + c.loadavg_end +
       " at end (other processes ran on the machine: see the load after every figure)");
  line("- Data: " + Grouped(static_cast<double>(o.docs)) + " documents of " +
       std::to_string(o.doc_size) +
       " B JSON (collection Docs), each with `Category` = \"g<i/10>\" (10 documents per group) and "
       "`Score` = a permutation of 0..N-1; loaded in batches of " +
       std::to_string(o.batch) + " (one durable transaction each). Seed " + std::to_string(o.seed) +
       ".");
  line(
      "- Equality: `from Docs where Category = $p0` (random group, 10 results) vs prepared "
      "`SELECT data FROM docs WHERE data->>'Category' = $1`; " +
      Grouped(static_cast<double>(o.eq_queries)) + " queries on 1 connection, then as many on " +
      conns + " connections (threads).");
  line(
      "- Range + sort: `from Docs where Score between $p0 and $p1 order by Score as long limit "
      "$p2, $p3` (1% of the documents match, first page of " +
      std::to_string(o.page_size) +
      ") vs prepared `SELECT data FROM docs WHERE (data->'Score')::numeric BETWEEN $1 AND $2 "
      "ORDER BY (data->'Score')::numeric LIMIT $3`; " +
      Grouped(static_cast<double>(o.range_queries)) +
      " queries per pass. **Rookery also "
      "returns `TotalResults` (it counts every match); PostgreSQL's statement does not count**, "
      "so it can stop after 25 index entries.");
  line(
      "- Before timing, 20 queries of each kind are checked in full on both systems (the right "
      "documents, in order; Rookery's TotalResults exact).");
  line("- Systems:");
  for (const QueryRun& r : runs) line("  - " + r.name + ": " + r.description);
  line("");

  line("### Automatic index build");
  line("");
  line(
      "| system | index | seconds | docs/s | server CPU s | docs per server CPU-second | "
      "load average after |");
  line("|---|---|---:|---:|---:|---:|---|");
  for (const QueryRun& r : runs) {
    for (const IndexBuild& b : r.builds) {
      // CPU time comes in clock ticks (10 ms): a very short step may show none.
      const std::string per_cpu = b.server_cpu_seconds > 0
                                      ? Grouped(static_cast<double>(o.docs) / b.server_cpu_seconds)
                                      : std::string("below a clock tick");
      line("| " + r.name + " | " + b.what + " | " + Fixed(b.seconds, 2) + " | " +
           Grouped(b.docs_per_second) + " | " + Fixed(b.server_cpu_seconds, 2) + " | " + per_cpu +
           " | " + b.loadavg + " |");
    }
  }
  line("");
  line(
      "Server CPU is the server's process tree (PostgreSQL's backends and parallel workers "
      "included); with other processes on the machine the wall-clock rate also measures how "
      "much CPU the server got.");
  line("");
  const QueryRun* rookery = FindRun(runs, "rookery");
  const QueryRun* postgres = FindRun(runs, "postgres");
  if (rookery != nullptr && !rookery->builds.empty()) {
    const double rate = rookery->builds.front().docs_per_second;
    line("Target: automatic index build ≥ 250,000 docs/s: " + Grouped(rate) + " docs/s, " +
         (rate >= 250'000 ? "met" : "**missed**") + ".");
    line("");
  }

  line("### Queries");
  line("");
  line("Ratio = Rookery / PostgreSQL (queries/s: higher is better; latency: lower is better).");
  line("");
  line("| pass | measure | Rookery | PostgreSQL | ratio | target | status |");
  line("|---|---|---:|---:|---:|---|---|");
  struct Pass {
    std::string label;
    const PassFigures QueryRun::*figures;
  };
  const Pass passes[] = {{"equality, 1 connection", &QueryRun::eq1},
                         {"equality, " + conns + " connections", &QueryRun::eqn},
                         {"range + sort, 1 connection", &QueryRun::range1},
                         {"range + sort, " + conns + " connections", &QueryRun::rangen}};
  for (const Pass& p : passes) {
    const PassFigures* r = rookery ? &(rookery->*p.figures) : nullptr;
    const PassFigures* g = postgres ? &(postgres->*p.figures) : nullptr;
    auto cell = [](const PassFigures* f, double PassFigures::*m) {
      return f ? Grouped(f->*m) : std::string("n/a");
    };
    auto ratio = [&](double PassFigures::*m) {
      return r && g && g->*m > 0 ? Fixed(r->*m / (g->*m), 2) + "×" : std::string("n/a");
    };
    std::string status;
    if (r && g && g->rate > 0) status = r->rate >= 2 * g->rate ? "met" : "**missed**";
    line("| " + p.label + " | queries/s | " + cell(r, &PassFigures::rate) + " | " +
         cell(g, &PassFigures::rate) + " | " + ratio(&PassFigures::rate) + " | ≥ 2× PG | " +
         status + " |");
    line("| | p50 µs | " + cell(r, &PassFigures::p50_us) + " | " + cell(g, &PassFigures::p50_us) +
         " | " + ratio(&PassFigures::p50_us) + " | | |");
    line("| | p99 µs | " + cell(r, &PassFigures::p99_us) + " | " + cell(g, &PassFigures::p99_us) +
         " | " + ratio(&PassFigures::p99_us) + " | | |");
    line("| | server CPU µs/query | " + cell(r, &PassFigures::server_cpu_us) + " | " +
         cell(g, &PassFigures::server_cpu_us) + " | " + ratio(&PassFigures::server_cpu_us) +
         " | | |");
    line("| | client CPU µs/query | " + cell(r, &PassFigures::client_cpu_us) + " | " +
         cell(g, &PassFigures::client_cpu_us) + " | | | |");
    line("| | load average after | " + (r ? r->loadavg : "n/a") + " | " + (g ? g->loadavg : "n/a") +
         " | | | |");
  }
  line("");
  line("### Load and response sizes");
  line("");
  line(
      "| system | load docs/s | load s | load average after | bytes/equality query | "
      "bytes/range query |");
  line("|---|---:|---:|---|---:|---:|");
  for (const QueryRun& r : runs) {
    line("| " + r.name + " | " + Grouped(r.load_rate) + " | " + Fixed(r.load_seconds, 1) + " | " +
         r.load_loadavg + " | " + Grouped(r.eq_bytes) + " | " + Grouped(r.range_bytes) + " |");
  }
  line("");
  line(
      "Bytes per query: Rookery's whole HTTP response body (the JSON envelope with the "
      "documents); PostgreSQL's `data` column values (libpq text format, without protocol "
      "overhead).");
  return md;
}

}  // namespace rookery::bench

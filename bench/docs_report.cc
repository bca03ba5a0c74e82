#include "bench/docs_report.h"

#include <cstdio>
#include <functional>
#include <optional>

namespace rookery::bench {
namespace {

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// 12,345 / 1.23 M style, for rates and counts.
std::string Human(double v) {
  if (v >= 1e9) return Printf("%.2f G", v / 1e9);
  if (v >= 1e6) return Printf("%.2f M", v / 1e6);
  if (v >= 1e4) return Printf("%.1f k", v / 1e3);
  if (v >= 100) return Printf("%.0f", v);
  return Printf("%.2f", v);
}

struct Row {
  std::string label;
  std::function<double(const DocsRun&)> get;
  bool higher_is_better;
  // Issue 4's target for Rookery: minimum ratio to PostgreSQL and minimum absolute figure.
  double min_ratio = 0, min_absolute = 0;
  std::string target;
};

const SystemRuns* Find(const std::vector<SystemRuns>& systems, const std::string& id) {
  for (const auto& s : systems) {
    if (s.id == id && !s.runs.empty()) return &s;
  }
  return nullptr;
}

std::optional<double> MedianOf(const SystemRuns* s, const Row& row) {
  if (s == nullptr) return std::nullopt;
  std::vector<double> values;
  for (const DocsRun& r : s->runs) values.push_back(row.get(r));
  return Median(values);
}

}  // namespace

std::string RenderDocsReport(const DocsOptions& o, const ReportContext& c,
                             const std::vector<SystemRuns>& systems) {
  std::string md;
  auto line = [&md](const std::string& s) { md += s + "\n"; };
  const std::string conns = std::to_string(o.connections);
  line("## Document server vs PostgreSQL (`bench/docs_bench`)");
  line("");
  line("- Command: `" + c.command_line + "`" +
       (c.invoked_as.empty() ? "" : " (run by `" + c.invoked_as + "`)"));
  line("- Date: " + c.date_utc + "; total " + Printf("%.1f", c.minutes) + " min");
  line(std::string("- Machine: ") + std::to_string(c.nproc) + " CPUs (nproc), " + c.cpu_model +
       ", " + Printf("%.1f", c.mem_gib) + " GiB RAM, Linux " + c.kernel +
       "; client and server share these CPUs");
  line("- Directory: `" + c.dir + "` (" + c.fs_type + "); a fresh temporary directory per server");
  line("- Load average (1, 5, 15 min): " + c.loadavg_start + " at start, " + c.loadavg_end +
       " at end");
  line("- Workload: " + Human(static_cast<double>(o.docs)) + " documents of " +
       std::to_string(o.doc_size) + " B JSON (ids `orders/1`.., collection Orders), " +
       std::to_string(o.batch) + " per request/transaction on 1 connection; then " +
       Human(static_cast<double>(o.get_requests)) +
       " uniform random GETs by id on 1 connection, and as many on " + conns +
       " connections (threads). Seed " + std::to_string(o.seed) + ".");
  line("- Runs: " + std::to_string(o.runs) +
       " per system, interleaved with alternating order, one server at a time; figures are "
       "medians.");
  line("- Systems (every write durable when acknowledged):");
  for (const SystemRuns& s : systems) line("  - " + s.name + ": " + s.description);
  line("");

  const Row rows[] = {
      {"insert: docs/s ↑", [](const DocsRun& r) { return r.insert_rate; }, true, 2.0, 50'000,
       "≥ 2× PG, ≥ 50 k/s"},
      {"insert: batch latency p50, ms ↓", [](const DocsRun& r) { return r.insert_batch_p50_ms; },
       false},
      {"insert: batch latency p99, ms ↓", [](const DocsRun& r) { return r.insert_batch_p99_ms; },
       false},
      {"insert: server CPU µs/doc ↓", [](const DocsRun& r) { return r.insert_server_cpu_us; },
       false},
      {"insert: client CPU µs/doc ↓", [](const DocsRun& r) { return r.insert_client_cpu_us; },
       false},
      {"GET, 1 connection: req/s ↑", [](const DocsRun& r) { return r.get1.rate; }, true, 2.0,
       40'000, "≥ 2× PG, ≥ 40 k/s"},
      {"GET, 1 connection: p50 µs ↓", [](const DocsRun& r) { return r.get1.p50_us; }, false},
      {"GET, 1 connection: p99 µs ↓", [](const DocsRun& r) { return r.get1.p99_us; }, false},
      {"GET, 1 connection: server CPU µs/req ↓",
       [](const DocsRun& r) { return r.get1.server_cpu_us; }, false},
      {"GET, 1 connection: client CPU µs/req ↓",
       [](const DocsRun& r) { return r.get1.client_cpu_us; }, false},
      {"GET, " + conns + " connections: req/s ↑", [](const DocsRun& r) { return r.getn.rate; },
       true, 2.0, 0, "≥ 2× PG"},
      {"GET, " + conns + " connections: p50 µs ↓", [](const DocsRun& r) { return r.getn.p50_us; },
       false},
      {"GET, " + conns + " connections: p99 µs ↓", [](const DocsRun& r) { return r.getn.p99_us; },
       false},
      {"GET, " + conns + " connections: server CPU µs/req ↓",
       [](const DocsRun& r) { return r.getn.server_cpu_us; }, false},
      {"GET, " + conns + " connections: client CPU µs/req ↓",
       [](const DocsRun& r) { return r.getn.client_cpu_us; }, false},
      {"bytes received per GET", [](const DocsRun& r) { return r.bytes_received_per_get; }, false},
      {"bytes on disk after the load (allocated) ↓",
       [](const DocsRun& r) { return static_cast<double>(r.disk_bytes); }, false},
  };

  const SystemRuns* rookery = Find(systems, "rookery");
  const SystemRuns* postgres = Find(systems, "postgres");
  line("↑ higher is better, ↓ lower is better. Ratio = Rookery's median / PostgreSQL's median.");
  line("");
  line("| measure | Rookery | PostgreSQL | Rookery / PostgreSQL | target | status |");
  line("|---|---:|---:|---:|---|---|");
  for (const Row& row : rows) {
    const auto r = MedianOf(rookery, row);
    const auto p = MedianOf(postgres, row);
    std::string ratio = "n/a";
    std::optional<double> x;
    if (r && p && *p > 0) {
      x = *r / *p;
      ratio = Printf("%.2f×", *x);
    }
    std::string status;
    if (!row.target.empty() && r) {
      const bool ratio_ok = !x || *x >= row.min_ratio;
      const bool abs_ok = *r >= row.min_absolute;
      status = ratio_ok && abs_ok ? "met" : "**missed**";
      if (!x) status += " (absolute only: no PostgreSQL figure)";
    }
    line("| " + row.label + " | " + (r ? Human(*r) : "n/a") + " | " + (p ? Human(*p) : "n/a") +
         " | " + ratio + " | " + row.target + " | " + status + " |");
  }
  line("");
  line("### Every run");
  line("");
  line("| system | run | insert docs/s | GET/s 1 conn (p50/p99 µs) | GET/s " + conns +
       " conn (p50/p99 µs) | bytes on disk |");
  line("|---|---:|---:|---:|---:|---:|");
  for (const SystemRuns& s : systems) {
    for (size_t i = 0; i < s.runs.size(); ++i) {
      const DocsRun& r = s.runs[i];
      line("| " + s.name + " | " + std::to_string(i + 1) + " | " + Human(r.insert_rate) + " | " +
           Human(r.get1.rate) + " (" + Printf("%.0f", r.get1.p50_us) + "/" +
           Printf("%.0f", r.get1.p99_us) + ") | " + Human(r.getn.rate) + " (" +
           Printf("%.0f", r.getn.p50_us) + "/" + Printf("%.0f", r.getn.p99_us) + ") | " +
           Human(static_cast<double>(r.disk_bytes)) + "B |");
    }
  }
  return md;
}

}  // namespace rookery::bench

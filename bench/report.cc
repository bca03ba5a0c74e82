#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace rookery::bench {
namespace {

enum class Fmt { kRate, kMicros, kSeconds, kNumber, kBytes, kTimes };
enum class Better { kHigher, kLower };

struct MetricDef {
  const char* workload;
  const char* metric;
  const char* label;
  Fmt fmt;
  Better better;
};

// Every figure the runner produces, in report order.
constexpr MetricDef kMetrics[] = {
    {"load-random", "rate", "throughput, keys/s", Fmt::kRate, Better::kHigher},
    {"load-random", "cpu_us", "CPU µs per key to the last commit", Fmt::kMicros, Better::kLower},
    {"load-random", "wall_s", "wall time to the last commit, s", Fmt::kSeconds, Better::kLower},
    {"load-random", "settle_s", "background work after the last commit, s", Fmt::kSeconds,
     Better::kLower},
    {"load-random", "total_cpu_us", "CPU µs per key incl. background work", Fmt::kMicros,
     Better::kLower},
    {"load-random", "disk_bytes", "bytes on disk, settled (allocated)", Fmt::kBytes,
     Better::kLower},
    {"load-random", "disk_ratio", "on disk / logical bytes", Fmt::kTimes, Better::kLower},
    {"load-random", "apparent_bytes", "file sizes, settled (apparent)", Fmt::kBytes,
     Better::kLower},
    {"load-random", "written_ratio", "device bytes written / logical bytes (whole device)",
     Fmt::kTimes, Better::kLower},
    {"load-seq", "rate", "throughput, keys/s", Fmt::kRate, Better::kHigher},
    {"load-seq", "cpu_us", "CPU µs per key to the last commit", Fmt::kMicros, Better::kLower},
    {"load-seq", "wall_s", "wall time to the last commit, s", Fmt::kSeconds, Better::kLower},
    {"load-seq", "settle_s", "background work after the last commit, s", Fmt::kSeconds,
     Better::kLower},
    {"load-seq", "total_cpu_us", "CPU µs per key incl. background work", Fmt::kMicros,
     Better::kLower},
    {"load-seq", "disk_bytes", "bytes on disk, settled (allocated)", Fmt::kBytes, Better::kLower},
    {"load-seq", "disk_ratio", "on disk / logical bytes", Fmt::kTimes, Better::kLower},
    {"load-seq", "apparent_bytes", "file sizes, settled (apparent)", Fmt::kBytes, Better::kLower},
    {"load-seq", "written_ratio", "device bytes written / logical bytes (whole device)",
     Fmt::kTimes, Better::kLower},
    {"read", "u1.rate", "uniform, 1 thread: reads/s", Fmt::kRate, Better::kHigher},
    {"read", "u1.cpu_us", "uniform, 1 thread: CPU µs per read", Fmt::kMicros, Better::kLower},
    {"read", "u1.p50_us", "uniform, 1 thread: p50 µs (1 read in 16 timed)", Fmt::kMicros,
     Better::kLower},
    {"read", "u1.p99_us", "uniform, 1 thread: p99 µs (1 read in 16 timed)", Fmt::kMicros,
     Better::kLower},
    {"read", "u2.rate", "uniform, 2 threads: reads/s", Fmt::kRate, Better::kHigher},
    {"read", "u2.cpu_us", "uniform, 2 threads: CPU µs per read", Fmt::kMicros, Better::kLower},
    {"read", "z1.rate", "Zipf 0.99, 1 thread: reads/s", Fmt::kRate, Better::kHigher},
    {"read", "z1.cpu_us", "Zipf 0.99, 1 thread: CPU µs per read", Fmt::kMicros, Better::kLower},
    {"read", "z2.rate", "Zipf 0.99, 2 threads: reads/s", Fmt::kRate, Better::kHigher},
    {"read", "u1_first.rate", "uniform, 1 thread, first pass after the load: reads/s", Fmt::kRate,
     Better::kHigher},
    {"read", "u1_first.cpu_us", "uniform, 1 thread, first pass: CPU µs per read", Fmt::kMicros,
     Better::kLower},
    {"commit", "rate", "commits/s (one client)", Fmt::kRate, Better::kHigher},
    {"commit", "p50_us", "latency p50, µs", Fmt::kMicros, Better::kLower},
    {"commit", "p99_us", "latency p99, µs", Fmt::kMicros, Better::kLower},
    {"commit", "p999_us", "latency p99.9, µs", Fmt::kMicros, Better::kLower},
    {"commit", "raw_p50_us", "device floor: raw 4 KiB overwrite + fdatasync just before, p50 µs",
     Fmt::kMicros, Better::kLower},
    {"commit", "raw_p99_us", "device floor: same, p99 µs", Fmt::kMicros, Better::kLower},
    {"commit", "cpu_us", "CPU µs per commit", Fmt::kMicros, Better::kLower},
    {"commit", "written_bytes", "device bytes written per commit (whole device)", Fmt::kBytes,
     Better::kLower},
    {"scan", "rate", "keys/s", Fmt::kRate, Better::kHigher},
    {"scan", "mb_s", "MB/s (keys + values)", Fmt::kNumber, Better::kHigher},
    {"scan", "cpu_us", "CPU µs per key", Fmt::kMicros, Better::kLower},
    {"run", "peak_rss", "peak RSS of the run's process", Fmt::kBytes, Better::kLower},
};

// Appends " text |" (written out step by step: GCC 12 warns falsely on literal + temporary).
void AppendCell(std::string* row, const std::string& text) {
  row->append(" ");
  row->append(text);
  row->append(" |");
}

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Format(Fmt fmt, double v) {
  switch (fmt) {
    case Fmt::kRate:
      if (v >= 1e6) return Printf("%.2f M", v / 1e6);
      if (v >= 1e4) return Printf("%.1f k", v / 1e3);
      if (v >= 1e3) return Printf("%.2f k", v / 1e3);
      return Printf("%.0f", v);
    case Fmt::kMicros:
      if (v >= 100) return Printf("%.0f", v);
      if (v >= 10) return Printf("%.1f", v);
      return Printf("%.2f", v);
    case Fmt::kSeconds:
      if (v < 10) return Printf("%.2f", v);
      [[fallthrough]];
    case Fmt::kNumber:
      return Printf(v >= 100 ? "%.0f" : "%.1f", v);
    case Fmt::kBytes:
      if (v >= 1e9) return Printf("%.2f GB", v / 1e9);
      if (v >= 1e6) return Printf("%.1f MB", v / 1e6);
      if (v >= 1e3) return Printf("%.1f kB", v / 1e3);
      return Printf("%.0f B", v);
    case Fmt::kTimes:
      return Printf("%.2f", v);
  }
  return "?";
}

std::optional<double> MedianOf(const EngineRuns& e, const std::string& workload,
                               const std::string& metric) {
  std::vector<double> values;
  for (const RunResult& run : e.runs) {
    for (const Measurement& m : run) {
      if (m.workload == workload && m.metric == metric) values.push_back(m.value);
    }
  }
  if (values.empty()) return std::nullopt;
  return Median(values);
}

// 1234567 -> "1,234,567".
std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Title(const BenchOptions& o, const std::string& workload) {
  const std::string keys = Thousands(o.keys);
  const std::string value = Thousands(o.value_size) + " B";
  if (workload == "load-random" || workload == "load-seq") {
    return std::string("Load, ") + (workload == "load-random" ? "random" : "sequential") +
           " key order: " + keys + " keys of 16 B + " + value + " values, " + Thousands(o.batch) +
           " per durable commit";
  }
  if (workload == "read") {
    const char* source = o.Has("load-random") ? "load-random"
                         : o.Has("load-seq")  ? "load-seq"
                                              : "an untimed sequential load";
    return std::string("Random point reads after ") + source + ": " + Thousands(o.ReadsPerPass()) +
           " Gets per pass, value copied out";
  }
  if (workload == "commit") {
    return "Durable single-put commits: " + Thousands(o.commits) + " transactions of one new " +
           value + " value";
  }
  if (workload == "scan") return "Full ordered scan of " + keys + " keys";
  return "Process (each run in its own child process)";
}

// Ratio columns: Rookery over each peer when Rookery ran; otherwise every ordered pair.
std::vector<std::pair<size_t, size_t>> RatioPairs(const std::vector<EngineRuns>& engines) {
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t a = 0; a < engines.size(); ++a) {
    if (engines[a].id != "rookery") continue;
    for (size_t b = 0; b < engines.size(); ++b) {
      if (b != a) pairs.emplace_back(a, b);
    }
    return pairs;
  }
  for (size_t a = 0; a < engines.size(); ++a) {
    for (size_t b = 0; b < engines.size(); ++b) {
      if (a != b) pairs.emplace_back(a, b);
    }
  }
  return pairs;
}

}  // namespace

std::string RenderReport(const BenchOptions& o, const ReportContext& c,
                         const std::vector<EngineRuns>& engines) {
  std::string md;
  auto line = [&md](const std::string& s) { md += s + "\n"; };
  line("## Storage engines side by side (`bench/storage_bench`)");
  line("");
  line("- Command: `" + c.command_line + "`" +
       (c.invoked_as.empty() ? "" : " (run by `" + c.invoked_as + "`)"));
  line("- Date: " + c.date_utc + "; total " + Printf("%.1f", c.minutes) + " min");
  line(std::string("- Machine: ") + std::to_string(c.nproc) + " CPUs (nproc), " + c.cpu_model +
       ", " + Printf("%.1f", c.mem_gib) + " GiB RAM, Linux " + c.kernel);
  line("- Directory: `" + c.dir + "` (" + c.fs_type + "); a fresh subdirectory per run");
  line("- Load average (1, 5, 15 min): " + c.loadavg_start + " at start, " + c.loadavg_end +
       " at end");
  line(std::string("- Runs: ") + std::to_string(o.runs) +
       " per engine, interleaved (A B A B ...); figures are medians. Seed " +
       std::to_string(o.seed) + ".");
  line("- Engines (every commit durable):");
  for (const EngineRuns& e : engines) line("  - " + e.name + " " + e.description);
  line("");
  line(
      "↑ higher is better, ↓ lower is better. A ratio X/Y is X's median over Y's "
      "(design/storage.md §14), whichever direction is better.");

  const auto pairs = RatioPairs(engines);
  // Report in the canonical order, whatever order --workloads named them in.
  std::vector<std::string> ordered;
  for (const std::string& w : AllWorkloads()) {
    if (o.Has(w)) ordered.push_back(w);
  }
  if (o.fork) ordered.push_back("run");

  for (const std::string& workload : ordered) {
    line("");
    line("### " + Title(o, workload));
    line("");
    std::string header = "| metric |", rule = "|---|";
    for (const EngineRuns& e : engines) {
      header += " " + e.name + " |";
      rule += "---:|";
    }
    for (auto [a, b] : pairs) {
      header += " " + engines[a].name + " / " + engines[b].name + " |";
      rule += "---:|";
    }
    line(header);
    line(rule);
    for (const MetricDef& m : kMetrics) {
      if (workload != m.workload) continue;
      std::vector<std::optional<double>> medians;
      bool any = false;
      for (const EngineRuns& e : engines) {
        medians.push_back(MedianOf(e, workload, m.metric));
        any = any || medians.back().has_value();
      }
      if (!any) continue;
      std::string row =
          std::string("| ") + m.label + (m.better == Better::kHigher ? " ↑" : " ↓") + " |";
      for (const auto& v : medians) AppendCell(&row, v ? Format(m.fmt, *v) : "n/a");
      for (auto [a, b] : pairs) {
        const auto& x = medians[a];
        const auto& y = medians[b];
        AppendCell(&row, x && y && *y != 0 ? Printf("%.2f×", *x / *y) : "n/a");
      }
      line(row);
    }
  }

  if (o.runs > 1) {
    line("");
    line("<details><summary>Every run (run 1 / run 2 / ...)</summary>");
    line("");
    std::string header = "| workload | metric |", rule = "|---|---|";
    for (const EngineRuns& e : engines) {
      header += " " + e.name + " |";
      rule += "---:|";
    }
    line(header);
    line(rule);
    for (const MetricDef& m : kMetrics) {
      if (std::find(ordered.begin(), ordered.end(), m.workload) == ordered.end()) continue;
      std::string row = std::string("| ") + m.workload + " | " + m.label + " |";
      bool any = false;
      for (const EngineRuns& e : engines) {
        std::string cell;
        for (const RunResult& run : e.runs) {
          for (const Measurement& x : run) {
            if (x.workload == m.workload && x.metric == m.metric) {
              cell += (cell.empty() ? "" : " / ") + Format(m.fmt, x.value);
              any = true;
            }
          }
        }
        AppendCell(&row, cell.empty() ? "n/a" : cell);
      }
      if (any) line(row);
    }
    line("");
    line("</details>");
  }
  return md;
}

}  // namespace rookery::bench

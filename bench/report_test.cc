// The report shows each engine's median over its runs and the ratios §14 asks for.
#include <gtest/gtest.h>

#include "bench/report.h"

namespace rookery::bench {
namespace {

TEST(Median, OddEvenAndEmpty) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({}), 0);
}

EngineRuns Engine(const std::string& id, const std::string& name, std::vector<double> rates) {
  EngineRuns e{id, name, "test engine", {}};
  for (double r : rates) e.runs.push_back({{"scan", "rate", r}, {"run", "peak_rss", 1e6}});
  return e;
}

BenchOptions Options() {
  BenchOptions o;
  o.runs = 3;
  o.keys = 1000;
  o.workloads = {"scan"};
  return o;
}

TEST(RenderReport, MediansAndEveryOrderedPairWithoutRookery) {
  ReportContext c;
  c.command_line = "storage_bench --keys 1000";
  c.loadavg_start = "0.10, 0.20, 0.30";
  std::string md = RenderReport(
      Options(), c,
      {Engine("lmdb", "LMDB", {4e6, 5e6, 9e6}), Engine("rocksdb", "RocksDB", {1e6, 2e6, 1e6})});
  EXPECT_NE(md.find("`storage_bench --keys 1000`"), std::string::npos) << md;
  EXPECT_NE(md.find("0.10, 0.20, 0.30 at start"), std::string::npos) << md;
  EXPECT_NE(md.find("| metric | LMDB | RocksDB | LMDB / RocksDB | RocksDB / LMDB |"),
            std::string::npos)
      << md;
  // Medians 5 M and 1 M; ratios 5.00 and 0.20.
  EXPECT_NE(md.find("| keys/s ↑ | 5.00 M | 1.00 M | 5.00× | 0.20× |"), std::string::npos) << md;
  EXPECT_NE(md.find("4.00 M / 5.00 M / 9.00 M"), std::string::npos) << "every run listed\n" << md;
}

TEST(RenderReport, RookeryIsComparedWithEachPeer) {
  std::string md = RenderReport(
      Options(), ReportContext{},
      {Engine("rookery", "Rookery", {2e6, 2e6, 2e6}), Engine("lmdb", "LMDB", {4e6, 4e6, 4e6}),
       Engine("rocksdb", "RocksDB", {1e6, 1e6, 1e6})});
  EXPECT_NE(md.find("| metric | Rookery | LMDB | RocksDB | Rookery / LMDB | Rookery / RocksDB |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("LMDB / RocksDB"), std::string::npos) << md;
  EXPECT_NE(md.find("| keys/s ↑ | 2.00 M | 4.00 M | 1.00 M | 0.50× | 2.00× |"), std::string::npos)
      << md;
}

}  // namespace
}  // namespace rookery::bench

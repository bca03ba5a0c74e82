// The KvEngine adapters compiled into this build of the benchmark, and their factories.
//
// LMDB and RocksDB are always compiled in when the benchmark is built (ROOKERY_BUILD_BENCH=ON).
// Rookery's adapter is compiled in only with -DROOKERY_BENCH_WITH_ROOKERY=ON (which defines the
// macro of the same name); its factory is declared here and defined in rookery_adapter.cc.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/kv_engine.h"

namespace rookery::bench {

std::unique_ptr<KvEngine> NewLmdbEngine();
std::unique_ptr<KvEngine> NewRocksDbEngine();
#ifdef ROOKERY_BENCH_WITH_ROOKERY
std::unique_ptr<KvEngine> NewRookeryEngine();
#endif

// Settings the command line may change before any engine is created (single-threaded start-up).
struct EngineTuning {
  size_t rocksdb_block_cache_bytes = size_t{1} << 30;
};
EngineTuning& MutableEngineTuning();

struct EngineFactory {
  std::string id;  // lower-case name accepted by --engines: "rookery", "lmdb", "rocksdb"
  std::function<std::unique_ptr<KvEngine>()> make;
};

// The compiled-in engines, Rookery first when present (it is the engine the ratios are about).
const std::vector<EngineFactory>& CompiledEngines();

// Bytes allocated on disk (st_blocks * 512) by the regular files under `dir`, recursively.
// Files that vanish while walking (an engine deleting a log) are skipped.
uint64_t AllocatedBytesUnder(const std::string& dir);
// Sum of the apparent sizes (st_size) of the same files: what `du --apparent-size` shows.
// Differs from AllocatedBytesUnder for preallocated files (RocksDB's WAL) and sparse ones.
uint64_t ApparentBytesUnder(const std::string& dir);

}  // namespace rookery::bench

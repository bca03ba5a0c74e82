#include "bench/engines.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace rookery::bench {

EngineTuning& MutableEngineTuning() {
  static EngineTuning tuning;
  return tuning;
}

const std::vector<EngineFactory>& CompiledEngines() {
  static const std::vector<EngineFactory> engines = [] {
    std::vector<EngineFactory> list;
#ifdef ROOKERY_BENCH_WITH_ROOKERY
    list.push_back({"rookery", [] { return NewRookeryEngine(); }});
#endif
    list.push_back({"lmdb", [] { return NewLmdbEngine(); }});
    list.push_back({"rocksdb", [] { return NewRocksDbEngine(); }});
    return list;
  }();
  return engines;
}

namespace {

template <typename Measure>
uint64_t SumOverFiles(const std::string& dir, Measure measure) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st;
    // lstat: a vanished file (RocksDB deletes obsolete WALs and SSTs concurrently) is skipped.
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += measure(st);
    }
  }
  return total;
}

}  // namespace

uint64_t AllocatedBytesUnder(const std::string& dir) {
  return SumOverFiles(dir, [](const struct stat& st) { return uint64_t(st.st_blocks) * 512; });
}

uint64_t ApparentBytesUnder(const std::string& dir) {
  return SumOverFiles(dir, [](const struct stat& st) { return uint64_t(st.st_size); });
}

}  // namespace rookery::bench

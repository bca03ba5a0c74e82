// Deterministic data for the storage benchmark: keys, JSON-like values, random orders and Zipf
// key choices. Everything is a pure function of (seed, index), so every engine in a run, and every
// run of a given command line, sees byte-identical data.
//
// Threads: all functions are pure; Rng and ZipfGenerator objects are single-threaded values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rookery::bench {

inline constexpr size_t kKeySize = 16;

// Key number `i` as 16 bytes: "doc/" and 12 decimal digits, so that numeric order is key order
// (sequential, HiLo-like ids). Valid for i < 10^12.
void MakeKey(uint64_t i, char out[kKeySize]);
std::string MakeKey(uint64_t i);

// A JSON-like value of exactly `size` bytes for key number `index`: an order-like document
// (company, employee, dates, shipping address, 2-5 order lines, a free-text comment) whose
// comment is sized to pad the document to `size`. At 1 KiB, 4 KiB blocks of values compress
// about 2:1 with LZ4 (1.9) and each value alone 1.8:1 with zstd, 1.35:1 with LZ4 (field names
// and words repeat; numbers, ids and reference codes do not). Values shorter than the
// fixed fields (about 300 bytes) are the document's first `size` bytes, so no longer valid JSON.
void MakeValue(uint64_t seed, uint64_t index, size_t size, std::string* out);

// splitmix64: small, fast, good enough for choosing keys; not for anything secret.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n) for n > 0 (modulo bias is below 2^-32 for n < 2^32).
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// 0..n-1 in a random order (Fisher-Yates with Rng(seed)).
std::vector<uint32_t> Permutation(uint32_t n, uint64_t seed);
// `count` independent uniform choices from [0, n).
std::vector<uint32_t> UniformChoices(uint32_t n, size_t count, uint64_t seed);

// Zipf-distributed choices over [0, n) with exponent theta in (0, 1), as YCSB's
// ScrambledZipfianGenerator: rank r (0 hottest) is drawn by Gray et al.'s method and then hashed
// to a key number, so hot keys are spread over the key space instead of clustered at its start.
class ZipfGenerator {
 public:
  ZipfGenerator(uint32_t n, double theta, uint64_t seed);
  // The rank before scrambling, in [0, n): 0 is the most frequent.
  uint32_t NextRank();
  // The key number: a fixed hash of the rank, in [0, n).
  uint32_t Next();

 private:
  uint32_t n_;
  double theta_, alpha_, zetan_, eta_;
  Rng rng_;
};
std::vector<uint32_t> ZipfChoices(uint32_t n, double theta, size_t count, uint64_t seed);

}  // namespace rookery::bench

// Checksums over bytes (xxHash). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rookery {

// XXH64: the on-disk checksum of pages and journal entries (docs/formats/). Never change what
// this returns for a given input and seed: stored data depends on it.
uint64_t Hash64(const void* data, size_t size, uint64_t seed);
inline uint64_t Hash64(std::string_view bytes, uint64_t seed = 0) {
  return Hash64(bytes.data(), bytes.size(), seed);
}

// XXH3-64: faster in-memory hashing (hash tables, fingerprints); not an on-disk format.
uint64_t FastHash64(const void* data, size_t size, uint64_t seed);

// Incremental XXH64 over several pieces; equal to Hash64 of their concatenation.
class Hasher64 {
 public:
  explicit Hasher64(uint64_t seed = 0);
  ~Hasher64();
  Hasher64(const Hasher64&) = delete;
  Hasher64& operator=(const Hasher64&) = delete;

  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  void* state_;  // XXH64_state_t, kept opaque so xxhash.h stays out of our headers
};

}  // namespace rookery

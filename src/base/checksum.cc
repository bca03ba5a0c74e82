#include "base/checksum.h"

#include <xxhash.h>

namespace rookery {

uint64_t Hash64(const void* data, size_t size, uint64_t seed) {
  return XXH64(data, size, seed);
}

uint64_t FastHash64(const void* data, size_t size, uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

Hasher64::Hasher64(uint64_t seed) : state_(XXH64_createState()) {
  XXH64_reset(static_cast<XXH64_state_t*>(state_), seed);
}

Hasher64::~Hasher64() {
  XXH64_freeState(static_cast<XXH64_state_t*>(state_));
}

void Hasher64::Update(const void* data, size_t size) {
  XXH64_update(static_cast<XXH64_state_t*>(state_), data, size);
}

uint64_t Hasher64::Digest() const {
  return XXH64_digest(static_cast<XXH64_state_t*>(state_));
}

}  // namespace rookery

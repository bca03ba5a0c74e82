// AlignedBuffer: one growing block of memory aligned for O_DIRECT writes.
//
// The journal writer encodes every group commit into one of these and reuses it, so a steady
// workload allocates nothing per commit. Owned by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace rookery::storage::journal {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;

  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // Makes capacity() >= n (contents are not preserved when it grows). False if out of memory.
  bool Reserve(size_t n) {
    if (n <= capacity_) return true;
    size_t want = capacity_ == 0 ? kAlignment : capacity_;
    while (want < n) want *= 2;
    void* p = nullptr;
    if (::posix_memalign(&p, kAlignment, want) != 0) return false;
    std::free(data_);
    data_ = static_cast<uint8_t*>(p);
    capacity_ = want;
    return true;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace rookery::storage::journal

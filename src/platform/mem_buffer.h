// MemBuffer: the bytes of one in-memory file (platform-internal; used by MemEnv and FaultEnv).
//
// The bytes live in one reserved virtual range of kMemFileMaxSize, PROT_NONE until used, so they
// cost no memory or commit charge until written, and their address never changes while the file
// grows: a mapped region can point straight at them, as a shared mmap of a real file does.
// Not synchronized: callers hold their own lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace rookery::platform {

class MemBuffer {
 public:
  MemBuffer();
  ~MemBuffer();
  MemBuffer(const MemBuffer&) = delete;
  MemBuffer& operator=(const MemBuffer&) = delete;

  // nullptr if the address space could not be reserved (every write then fails with kNoSpace).
  char* base() const { return base_; }
  uint64_t size() const { return size_; }
  size_t Read(uint64_t offset, void* dst, size_t n) const;
  Status Write(const std::string& path, uint64_t offset, const void* src, size_t n);
  // Sets the size; bytes past a shrink are zeroed so a regrow reads zeros.
  Status Resize(const std::string& path, uint64_t new_size);
  // Makes [0, end) addressable without changing the size.
  Status Reserve(const std::string& path, uint64_t end);

 private:
  char* base_ = nullptr;
  uint64_t size_ = 0;
  uint64_t committed_ = 0;
};

}  // namespace rookery::platform

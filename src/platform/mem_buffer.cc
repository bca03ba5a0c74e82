#include "platform/mem_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "platform/env.h"

namespace rookery::platform {

namespace {
constexpr uint64_t kCommitChunk = uint64_t{1} << 20;
}  // namespace

MemBuffer::MemBuffer() {
  void* addr = ::mmap(nullptr, kMemFileMaxSize, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  base_ = addr == MAP_FAILED ? nullptr : static_cast<char*>(addr);
}

MemBuffer::~MemBuffer() {
  if (base_ != nullptr) ::munmap(base_, kMemFileMaxSize);
}

size_t MemBuffer::Read(uint64_t offset, void* dst, size_t n) const {
  if (offset >= size_) return 0;
  const size_t count = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  std::memcpy(dst, base_ + offset, count);
  return count;
}

Status MemBuffer::Write(const std::string& path, uint64_t offset, const void* src, size_t n) {
  ROOKERY_RETURN_IF_ERROR(Reserve(path, offset + n));
  std::memcpy(base_ + offset, src, n);
  size_ = std::max<uint64_t>(size_, offset + n);
  return Status::Ok();
}

Status MemBuffer::Resize(const std::string& path, uint64_t new_size) {
  if (new_size < size_) {
    std::memset(base_ + new_size, 0, static_cast<size_t>(size_ - new_size));
  } else {
    ROOKERY_RETURN_IF_ERROR(Reserve(path, new_size));
  }
  size_ = new_size;
  return Status::Ok();
}

Status MemBuffer::Reserve(const std::string& path, uint64_t end) {
  if (base_ == nullptr) return Status::NoSpace("no address space for in-memory file " + path);
  if (end > kMemFileMaxSize) {
    return Status::NoSpace("in-memory file " + path + " would exceed its 16 GiB limit");
  }
  if (end <= committed_) return Status::Ok();
  uint64_t target = (end + kCommitChunk - 1) / kCommitChunk * kCommitChunk;
  target = std::min(target, kMemFileMaxSize);
  if (::mprotect(base_ + committed_, target - committed_, PROT_READ | PROT_WRITE) != 0) {
    return Status::FromErrno(errno, "grow in-memory file " + path);
  }
  committed_ = target;
  return Status::Ok();
}

}  // namespace rookery::platform

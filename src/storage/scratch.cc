#include "storage/scratch.h"

#include <cstring>
#include <new>

namespace rookery::storage {
namespace {
constexpr std::align_val_t kAlign{4096};
}

PageBuffer::~PageBuffer() {
  owner_->Release(data_, run_pages_);
}

Scratch::~Scratch() {
  for (uint8_t* p : pool_) ::operator delete(p, kAlign);
}

PageBufferPtr Scratch::Allocate(uint32_t run_pages, bool zero) {
  const size_t bytes = size_t{run_pages} * kPageSize;
  uint8_t* data = nullptr;
  if (run_pages == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_.empty()) {
      data = pool_.back();
      pool_.pop_back();
    }
  }
  if (data == nullptr) data = static_cast<uint8_t*>(::operator new(bytes, kAlign));
  if (zero) std::memset(data, 0, bytes);
  bytes_in_use_.fetch_add(bytes, std::memory_order_relaxed);
  buffers_in_use_.fetch_add(1, std::memory_order_relaxed);
  return std::make_shared<PageBuffer>(PageBuffer::Token{}, this, data, run_pages);
}

void Scratch::Release(uint8_t* data, uint32_t run_pages) {
  bytes_in_use_.fetch_sub(size_t{run_pages} * kPageSize, std::memory_order_relaxed);
  buffers_in_use_.fetch_sub(1, std::memory_order_relaxed);
  if (run_pages == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pool_.size() < pool_limit_) {
      pool_.push_back(data);
      return;
    }
  }
  ::operator delete(data, kAlign);
}

}  // namespace rookery::storage

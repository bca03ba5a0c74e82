// Scratch: memory for copy-on-write page versions (storage.md §4).
//
// A PageBuffer holds one page or one overflow run. Write transactions fill buffers privately;
// at commit they become immutable versions in the page table, shared by readers through
// std::shared_ptr, so a buffer is freed only when the table has dropped it (flushed into the data
// file and invisible to every reader) AND no transaction still holds a pointer into it.
//
// Choice for now: scratch is heap memory (page-aligned operator new), not Voron's memory-mapped
// temp/scratch.N files. Cost: every unflushed page version costs its size in private memory
// (bounded by the flush threshold plus what long-running readers pin), and the memory is not
// reclaimable by the kernel under pressure. Single pages are pooled (up to the pool limit given
// at construction; the environment sizes it to its flush threshold, since that is the memory a
// flush cycle frees and the next one takes again) so the steady state goes neither through the
// allocator nor through fresh zero-filled pages from the kernel. Report: Scratch::bytes_in_use().
//
// Threads: Scratch is thread-safe; a PageBuffer is written by one writer, then only read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/page.h"

namespace rookery::storage {

class Scratch;

class PageBuffer {
  struct Token {};  // only Scratch constructs buffers (through std::make_shared)

 public:
  PageBuffer(Token, Scratch* owner, uint8_t* data, uint32_t run_pages)
      : owner_(owner), data_(data), run_pages_(run_pages) {}
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint32_t run_pages() const { return run_pages_; }
  size_t bytes() const { return size_t{run_pages_} * kPageSize; }

 private:
  friend class Scratch;
  Scratch* owner_;
  uint8_t* data_;
  uint32_t run_pages_;
};

using PageBufferPtr = std::shared_ptr<PageBuffer>;

class Scratch {
 public:
  // Keeps up to `pool_limit_pages` freed single-page blocks for reuse.
  explicit Scratch(size_t pool_limit_pages = kDefaultPoolLimit) : pool_limit_(pool_limit_pages) {}
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // A buffer of run_pages pages; zeroed when `zero` is set, else uninitialised.
  // The Scratch must outlive every buffer it handed out.
  PageBufferPtr Allocate(uint32_t run_pages, bool zero);

  uint64_t bytes_in_use() const { return bytes_in_use_.load(std::memory_order_relaxed); }
  uint64_t buffers_in_use() const { return buffers_in_use_.load(std::memory_order_relaxed); }

 private:
  friend class PageBuffer;
  static constexpr size_t kDefaultPoolLimit = 256;
  const size_t pool_limit_;
  void Release(uint8_t* data, uint32_t run_pages);

  std::mutex mu_;
  std::vector<uint8_t*> pool_;  // free single-page blocks
  std::atomic<uint64_t> bytes_in_use_{0};
  std::atomic<uint64_t> buffers_in_use_{0};
};

}  // namespace rookery::storage

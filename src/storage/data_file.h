// The data file (data.rookery): every page at offset page_number * kPageSize, read through a
// read-only map and written only by the flusher and by recovery (storage.md §2, §6).
//
// Maps: the file is mapped read-only (never written through a map, so a fault-injecting Env sees
// every durable byte). When the file grows a new map is made current; older maps stay alive as
// long as some transaction pins them (MapPins), because pointers handed out point into them.
//
// Checksums: a page that was already in the file at open is verified the first time it is read
// (one bit per page of the open-time size, set atomically); pages written since open were
// sealed by this process's committing writer (the flusher writes them without hashing them
// again) or verified before open returns (recovery, which applies journal diffs to the stored
// bytes first).
//
// Durability: WritePages is durable after a later Sync() returns OK.
// Threads: ReadPage from any thread; WritePages/EnsureSize from one thread at a time (the flusher
// or recovery); Sync from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "platform/env.h"
#include "storage/page.h"

namespace rookery::storage {

using MapPtr = std::shared_ptr<const platform::MappedRegion>;
// The maps a transaction has read through; kept until the transaction ends.
using MapPins = std::vector<MapPtr>;

class DataFile {
 public:
  static Result<std::unique_ptr<DataFile>> Open(platform::Env& env, const std::string& path);

  const std::string& path() const { return path_; }
  uint64_t size_bytes() const;

  // The page (or run) `n` as stored, verified on first read after open. Adds the map used to
  // `pins` when it is not already the last one there.
  Result<const uint8_t*> ReadPage(PageNumber n, MapPins* pins);
  // Copies the stored bytes of pages [n, n + run_pages) into `out` without verifying them
  // (recovery applies journal diffs to them; they may be torn until the last one). The pages
  // must be inside the file.
  Status ReadPagesUnverified(PageNumber n, uint32_t run_pages, uint8_t* out);
  // Verifies page n now (recovery's re-verification), regardless of the first-read bit.
  Status VerifyStoredPage(PageNumber n);

  // Grows the file (in bounded steps) so that it holds at least `pages` pages, and remaps.
  Status EnsurePages(uint64_t pages);
  // Writes a page or run at its offset; the file must already be large enough.
  Status WritePages(PageNumber n, const uint8_t* data, uint32_t run_pages);
  Status Sync();

 private:
  DataFile() = default;
  Status Remap(uint64_t size);
  void MarkVerified(PageNumber n);
  bool IsVerified(PageNumber n) const;

  std::string path_;
  std::unique_ptr<platform::File> file_;
  mutable std::mutex mu_;
  MapPtr map_;                 // current map, guarded by mu_
  uint64_t size_ = 0;          // guarded by mu_
  uint64_t verify_pages_ = 0;  // pages present at open: verified lazily
  std::unique_ptr<std::atomic<uint64_t>[]> verified_;
};

}  // namespace rookery::storage

#include "storage/data_file.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace rookery::storage {
namespace {
constexpr uint64_t kGrowUnit = uint64_t{1} << 20;       // growth granularity
constexpr uint64_t kMaxGrowStep = uint64_t{256} << 20;  // bounded growth (storage.md §10)
}  // namespace

Result<std::unique_ptr<DataFile>> DataFile::Open(platform::Env& env, const std::string& path) {
  std::unique_ptr<DataFile> df(new DataFile());
  df->path_ = path;
  platform::FileOptions opts;
  opts.create = true;
  ROOKERY_ASSIGN_OR_RETURN(df->file_, env.OpenFile(path, opts));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t size, df->file_->Size());
  df->verify_pages_ = size / kPageSize;
  const uint64_t words = (df->verify_pages_ + 63) / 64;
  df->verified_.reset(new std::atomic<uint64_t>[words == 0 ? 1 : words]);
  for (uint64_t i = 0; i < std::max<uint64_t>(words, 1); ++i) df->verified_[i].store(0);
  ROOKERY_RETURN_IF_ERROR(df->Remap(size));
  return df;
}

uint64_t DataFile::size_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

Status DataFile::Remap(uint64_t size) {
  ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<platform::MappedRegion> region, file_->Map(size));
  std::lock_guard<std::mutex> lock(mu_);
  map_ = MapPtr(std::move(region));
  size_ = size;
  return Status::Ok();
}

bool DataFile::IsVerified(PageNumber n) const {
  if (n >= verify_pages_) return true;
  return (verified_[n / 64].load(std::memory_order_acquire) >> (n % 64)) & 1;
}

void DataFile::MarkVerified(PageNumber n) {
  if (n >= verify_pages_) return;
  verified_[n / 64].fetch_or(uint64_t{1} << (n % 64), std::memory_order_acq_rel);
}

Result<const uint8_t*> DataFile::ReadPage(PageNumber n, MapPins* pins) {
  MapPtr map = pins->empty() ? nullptr : pins->back();
  if (map == nullptr || (n + 1) * kPageSize > map->size()) {
    std::lock_guard<std::mutex> lock(mu_);
    map = map_;
  }
  if (pins->empty() || pins->back() != map) pins->push_back(map);
  char buf[256];
  if (n >= map->size() / kPageSize) {
    std::snprintf(buf, sizeof(buf),
                  "page %" PRIu64 " is beyond the end of %s (%" PRIu64
                  " pages) and has no committed version: a dangling page reference. Run the "
                  "verifier",
                  n, path_.c_str(), map->size() / kPageSize);
    return Status::Corruption(buf);
  }
  const uint8_t* page = reinterpret_cast<const uint8_t*>(map->data()) + n * kPageSize;
  if (!IsVerified(n)) {
    const uint32_t run = PageRunLength(page);
    if (n + run > map->size() / kPageSize) {
      std::snprintf(buf, sizeof(buf),
                    "page %" PRIu64 " of %s claims a run of %u pages past the end of the file", n,
                    path_.c_str(), run);
      return Status::Corruption(buf);
    }
    ROOKERY_RETURN_IF_ERROR(VerifyPage(page, n, path_));
    MarkVerified(n);
  }
  return page;
}

Status DataFile::ReadPagesUnverified(PageNumber n, uint32_t run_pages, uint8_t* out) {
  MapPtr map;
  {
    std::lock_guard<std::mutex> lock(mu_);
    map = map_;
  }
  const uint64_t bytes = uint64_t{run_pages} * kPageSize;
  if (n >= map->size() / kPageSize || run_pages > map->size() / kPageSize - n) {
    return Status::Internal("read of page " + std::to_string(n) + " (" + std::to_string(run_pages) +
                            " pages) past the end of " + path_);
  }
  std::memcpy(out, reinterpret_cast<const uint8_t*>(map->data()) + n * kPageSize, bytes);
  return Status::Ok();
}

Status DataFile::VerifyStoredPage(PageNumber n) {
  MapPins pins;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pins.push_back(map_);
  }
  const MapPtr& map = pins.back();
  if ((n + 1) * kPageSize > map->size()) {
    return Status::Corruption("page " + std::to_string(n) + " is beyond the end of " + path_);
  }
  const uint8_t* page = reinterpret_cast<const uint8_t*>(map->data()) + n * kPageSize;
  const uint32_t run = PageRunLength(page);
  if ((n + run) * kPageSize > map->size()) {
    return Status::Corruption("page " + std::to_string(n) + " of " + path_ +
                              " claims a run past the end of the file");
  }
  ROOKERY_RETURN_IF_ERROR(VerifyPage(page, n, path_));
  MarkVerified(n);
  return Status::Ok();
}

Status DataFile::EnsurePages(uint64_t pages) {
  const uint64_t needed = pages * kPageSize;
  const uint64_t size = size_bytes();
  if (needed <= size) return Status::Ok();
  uint64_t target = std::max(needed, size + std::min(size / 4, kMaxGrowStep));
  target = (target + kGrowUnit - 1) / kGrowUnit * kGrowUnit;
  ROOKERY_RETURN_IF_ERROR(file_->Allocate(size, target - size).WithContext("grow " + path_));
  return Remap(target);
}

Status DataFile::WritePages(PageNumber n, const uint8_t* data, uint32_t run_pages) {
  const uint64_t bytes = uint64_t{run_pages} * kPageSize;
  if ((n + run_pages) * kPageSize > size_bytes()) {
    return Status::Internal("write of page " + std::to_string(n) + " past the end of " + path_);
  }
  ROOKERY_RETURN_IF_ERROR(file_->WriteAt(n * kPageSize, data, bytes).WithContext("write " + path_));
  MarkVerified(n);
  return Status::Ok();
}

Status DataFile::Sync() {
  return file_->Sync().WithContext("fdatasync " + path_);
}

}  // namespace rookery::storage

#include "storage/page.h"

#include <cinttypes>
#include <cstdio>

#include "base/checksum.h"

namespace rookery::storage {

uint64_t ComputePageChecksum(const uint8_t* page, size_t run_bytes) {
  const uint64_t seed = PageNumberOf(page);
  Hasher64 h(seed);
  h.Update(page, kOffChecksum);
  h.Update(page + kOffChecksum + 8, run_bytes - kOffChecksum - 8);
  return h.Digest();
}

void SealPage(uint8_t* page) {
  page[kOffChecksumAlgo] = kChecksumXxh64;
  const size_t run_bytes = size_t{PageRunLength(page)} * kPageSize;
  StoreU64(page + kOffChecksum, ComputePageChecksum(page, run_bytes));
}

Status VerifyPage(const uint8_t* page, PageNumber expected, const std::string& file) {
  char buf[320];
  const PageNumber stored_number = PageNumberOf(page);
  const uint64_t stored = LoadU64(page + kOffChecksum);
  if (stored_number != expected) {
    std::snprintf(buf, sizeof(buf),
                  "page %" PRIu64 " of %s holds page number %" PRIu64
                  " (misdirected or lost write); checksum stored %016" PRIx64
                  ". Restore from a backup or run the verifier",
                  expected, file.c_str(), stored_number, stored);
    return Status::Corruption(buf);
  }
  if (page[kOffChecksumAlgo] != kChecksumXxh64) {
    std::snprintf(buf, sizeof(buf),
                  "page %" PRIu64
                  " of %s has unknown checksum algorithm %u; the page is "
                  "corrupt or was never written",
                  expected, file.c_str(), page[kOffChecksumAlgo]);
    return Status::Corruption(buf);
  }
  const uint64_t run_pages = PageRunLength(page);
  const uint64_t actual = ComputePageChecksum(page, run_pages * kPageSize);
  if (actual != stored) {
    std::snprintf(buf, sizeof(buf),
                  "invalid checksum for page %" PRIu64 " of %s: expected %016" PRIx64
                  ", actual %016" PRIx64
                  ". The data file may be corrupted; restore from a backup "
                  "or run the verifier",
                  expected, file.c_str(), stored, actual);
    return Status::Corruption(buf);
  }
  return Status::Ok();
}

}  // namespace rookery::storage

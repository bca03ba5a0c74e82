#include "storage/btree_overflow.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace rookery::storage::btree {

Result<PageNumber> WriteOverflow(PageAccess& pages, std::string_view value) {
  if (value.size() > kMaxValueSize) {
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes exceeds the maximum of " +
                                   std::to_string(kMaxValueSize));
  }
  const uint32_t count = PagesForOverflow(value.size());
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * run, pages.AllocatePages(count));
  run[kOffFlags] = kPageOverflow;
  StoreU32(run + kOffOverflowSize, static_cast<uint32_t>(value.size()));
  std::memcpy(run + kPageHeaderSize, value.data(), value.size());
  return PageNumberOf(run);
}

Result<std::string_view> ReadOverflow(PageAccess& pages, PageNumber first, uint32_t size) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* run, pages.GetPage(first));
  if (!(PageFlagsOf(run) & kPageOverflow) || OverflowSizeOf(run) != size) {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "overflow page %" PRIu64
                  " does not start a run of %u bytes (flags %u, size %u);"
                  " run the verifier or restore from a backup",
                  first, size, PageFlagsOf(run), OverflowSizeOf(run));
    return Status::Corruption(buf);
  }
  return std::string_view(reinterpret_cast<const char*>(run + kPageHeaderSize), size);
}

}  // namespace rookery::storage::btree

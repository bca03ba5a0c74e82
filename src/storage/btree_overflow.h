// Overflow runs: values too large to sit inline in a B+tree leaf (docs/formats/btree.md).
//
// A run is `PagesForOverflow(size)` contiguous pages allocated with PageAccess::AllocatePages.
// The first page's header carries kPageOverflow and the payload size (bytes 8..11; the pager
// derives the run length from them); the payload starts right after the 64-byte header and runs
// on through the following pages, which have no headers of their own. The leaf node keeps the
// value size and the first page number. A run belongs to exactly one leaf entry: replacing or
// deleting the entry frees it.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "storage/page.h"

namespace rookery::storage::btree {

// Largest value a run can hold (the overflow size field is 32 bits).
inline constexpr uint64_t kMaxValueSize = 0xFFFFFFFFull - kPageSize;

// Allocates a run and copies `value` into it. Returns the first page number.
Result<PageNumber> WriteOverflow(PageAccess& pages, std::string_view value);
// A view of the payload of the run starting at `first`, which must hold `size` bytes. Valid as
// long as the pointer returned by GetPage is (until the run is modified or freed).
Result<std::string_view> ReadOverflow(PageAccess& pages, PageNumber first, uint32_t size);

}  // namespace rookery::storage::btree

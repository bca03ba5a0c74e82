#include "storage/scratch.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

namespace rookery::storage {
namespace {

TEST(ScratchTest, FreedSinglePagesAreReusedUpToThePoolLimit) {
  Scratch scratch(/*pool_limit_pages=*/2);
  std::vector<PageBufferPtr> buffers;
  std::set<const uint8_t*> first_round;
  for (int i = 0; i < 3; ++i) {
    buffers.push_back(scratch.Allocate(1, /*zero=*/false));
    first_round.insert(buffers.back()->data());
  }
  EXPECT_EQ(scratch.buffers_in_use(), 3u);
  EXPECT_EQ(scratch.bytes_in_use(), 3 * kPageSize);
  buffers.clear();  // two go to the pool, the third back to the allocator
  EXPECT_EQ(scratch.buffers_in_use(), 0u);
  EXPECT_EQ(scratch.bytes_in_use(), 0u);

  PageBufferPtr a = scratch.Allocate(1, /*zero=*/true);
  PageBufferPtr b = scratch.Allocate(1, /*zero=*/false);
  EXPECT_TRUE(first_round.count(a->data()) == 1 && first_round.count(b->data()) == 1)
      << "pooled pages are handed out again";
  EXPECT_NE(a->data(), b->data());
  // A pooled page asked for zeroed comes back zeroed, whatever it held before.
  std::vector<uint8_t> zeros(kPageSize, 0);
  EXPECT_EQ(std::memcmp(a->data(), zeros.data(), kPageSize), 0);
}

TEST(ScratchTest, RunsAreSizedAndCounted) {
  Scratch scratch;
  PageBufferPtr run = scratch.Allocate(3, /*zero=*/true);
  EXPECT_EQ(run->run_pages(), 3u);
  EXPECT_EQ(run->bytes(), 3 * kPageSize);
  EXPECT_EQ(scratch.bytes_in_use(), 3 * kPageSize);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(run->data()) % 4096, 0u);
  run.reset();
  EXPECT_EQ(scratch.bytes_in_use(), 0u);
}

}  // namespace
}  // namespace rookery::storage

#include "storage/free_space.h"

#include <gtest/gtest.h>

#include <set>

#include "storage/storage_test_util.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::ManualOptions;
using testing::PageValue;

TEST(FreeSpaceUnitTest, PendingUntilReleasedAndRollback) {
  FreeSpace fs;
  fs.Reset({});
  fs.BeginTx(5);
  ASSERT_TRUE(fs.Free(10, 2).ok());
  EXPECT_TRUE(fs.Free(11, 1).code() == Code::kInvalidArgument);  // double free
  EXPECT_EQ(fs.Take(1), kInvalidPage);                           // pending, not reusable
  EXPECT_TRUE(fs.EndTx());
  fs.Release(4);
  EXPECT_EQ(fs.reusable_pages(), 0u);
  fs.Release(5);
  EXPECT_EQ(fs.reusable_pages(), 2u);
  fs.BeginTx(6);
  EXPECT_EQ(fs.Take(2), 10u);
  ASSERT_TRUE(fs.Free(3, 1).ok());
  fs.Rollback();
  EXPECT_EQ(fs.reusable_pages(), 2u);
  EXPECT_EQ(fs.free_pages(), 2u);
  EXPECT_FALSE(fs.IsFree(3));
}

TEST(FreeSpaceUnitTest, ExtentsAndPageCodec) {
  auto ext = ToExtents({1, 2, 3, 7, 9, 10});
  ASSERT_EQ(ext.size(), 3u);
  EXPECT_EQ(ext[0], (FreeExtent{1, 3}));
  EXPECT_EQ(ext[2], (FreeExtent{9, 2}));
  std::vector<uint8_t> page(kPageSize);
  EncodeFreeSpacePage(page.data(), 4, 8, ext);
  SealPage(page.data());
  ASSERT_TRUE(VerifyPage(page.data(), 4, "t").ok());
  PageNumber next = 0;
  std::vector<FreeExtent> out;
  ASSERT_TRUE(DecodeFreeSpacePage(page.data(), &next, &out).ok());
  EXPECT_EQ(next, 8u);
  EXPECT_EQ(out, ext);
}

class FreeSpaceEnvTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  FreeSpaceEnvTest() : dir_(GetParam()) {}
  std::unique_ptr<StorageEnvironment> Open() {
    auto e = StorageEnvironment::Open(dir_.env(), dir_.path(), ManualOptions());
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  testing::TempEnvDir dir_;
};

TEST_P(FreeSpaceEnvTest, FreedPageReusedOnlyAfterOldReadersLeave) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  PageNumber a, b;
  {
    auto tx = e->BeginWrite();
    auto pa = (*tx)->AllocatePages(1);
    auto pb = (*tx)->AllocatePages(1);
    a = PageNumberOf(*pa);
    b = PageNumberOf(*pb);
    FillPage(*pa, a, 11);
    FillPage(*pb, b, 22);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(e->FlushNow().ok());
  auto old_reader = e->BeginRead();  // sees a = 11
  ASSERT_TRUE(old_reader.ok());
  {
    auto tx = e->BeginWrite();
    ASSERT_TRUE((*tx)->FreePage(a).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(e->Report().free_pages, 1u);
  // While the old reader may still see `a`, a new allocation must not reuse it.
  PageNumber c;
  {
    auto tx = e->BeginWrite();
    auto pc = (*tx)->AllocatePages(1);
    c = PageNumberOf(*pc);
    EXPECT_NE(c, a);
    FillPage(*pc, c, 33);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(e->FlushNow().ok());
  EXPECT_EQ(PageValue(*(*old_reader)->GetPage(a), a), 11u);
  old_reader->reset();
  // Now no reader can see `a`: it is reused, and a reader started before the reuse commit keeps
  // reading consistent data.
  auto mid_reader = e->BeginRead();
  {
    auto tx = e->BeginWrite();
    auto pd = (*tx)->AllocatePages(1);
    EXPECT_EQ(PageNumberOf(*pd), a);
    FillPage(*pd, a, 44);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(e->FlushNow().ok());
  EXPECT_EQ(PageValue(*(*mid_reader)->GetPage(b), b), 22u);
  EXPECT_EQ(PageValue(*(*mid_reader)->GetPage(c), c), 33u);
  mid_reader->reset();
  ASSERT_TRUE(e->FlushNow().ok());
  auto r = e->BeginRead();
  EXPECT_EQ(PageValue(*(*r)->GetPage(a), a), 44u);
  EXPECT_EQ(e->Report().free_pages, 0u);
}

TEST_P(FreeSpaceEnvTest, FreeListPersistsAcrossReopenWithoutLeaks) {
  std::set<PageNumber> live;
  uint64_t free_before = 0;
  for (int round = 0; round < 2; ++round) {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    if (round == 0) {
      auto tx = e->BeginWrite();
      for (int i = 0; i < 1500; ++i) {  // enough scattered frees to need a second chain page
        auto p = (*tx)->AllocatePages(1);
        FillPage(*p, PageNumberOf(*p), i);
        live.insert(PageNumberOf(*p));
      }
      ASSERT_TRUE((*tx)->Commit().ok());
      auto tx2 = e->BeginWrite();
      for (PageNumber n : std::set<PageNumber>(live)) {
        if (n % 2 == 0) {
          ASSERT_TRUE((*tx2)->FreePage(n).ok());
          live.erase(n);
        }
      }
      ASSERT_TRUE((*tx2)->Commit().ok());
      StorageReport rep = e->Report();
      free_before = rep.free_pages;
      EXPECT_EQ(free_before, 750u);
      EXPECT_GE(rep.free_space_pages, 2u);
      EXPECT_EQ(live.size() + rep.free_pages + rep.free_space_pages, rep.next_page);
      continue;  // "crash": recover from the journal
    }
    StorageReport rep = e->Report();
    EXPECT_EQ(rep.free_pages, free_before);
    EXPECT_EQ(rep.reusable_pages, free_before);  // no reader survives a restart
    EXPECT_EQ(live.size() + rep.free_pages + rep.free_space_pages, rep.next_page);
    // Allocation reuses the freed pages instead of growing the file.
    auto tx = e->BeginWrite();
    for (int i = 0; i < 750; ++i) {
      auto p = (*tx)->AllocatePages(1);
      ASSERT_TRUE(p.ok());
      EXPECT_LT(PageNumberOf(*p), rep.next_page);
      EXPECT_EQ(live.count(PageNumberOf(*p)), 0u);
      FillPage(*p, PageNumberOf(*p), 7);
    }
    ASSERT_TRUE((*tx)->Commit().ok());
    EXPECT_EQ(e->Report().free_pages, 0u);
    EXPECT_EQ(e->Report().next_page, rep.next_page);
    auto r = e->BeginRead();
    for (PageNumber n : live) ASSERT_LT(PageValue(*(*r)->GetPage(n), n), 1500u);
  }
}

TEST_P(FreeSpaceEnvTest, OverflowRunAllocateFreeReuse) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  const uint32_t payload = 3 * kPageSize;
  const uint32_t pages = PagesForOverflow(payload);
  PageNumber first;
  {
    auto tx = e->BeginWrite();
    auto p = (*tx)->AllocatePages(pages);
    ASSERT_TRUE(p.ok());
    first = PageNumberOf(*p);
    (*p)[kOffFlags] = kPageOverflow;
    StoreU32(*p + kOffOverflowSize, payload);
    for (uint32_t i = 0; i < payload; ++i) (*p)[kPageHeaderSize + i] = static_cast<uint8_t>(i * 13);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(e->FlushNow().ok());
  ASSERT_TRUE(e->SyncNow().ok());
  e.reset();
  e = Open();
  {
    auto r = e->BeginRead();
    auto p = (*r)->GetPage(first);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    for (uint32_t i = 0; i < payload; ++i) {
      ASSERT_EQ((*p)[kPageHeaderSize + i], static_cast<uint8_t>(i * 13)) << i;
    }
  }
  {
    auto tx = e->BeginWrite();
    ASSERT_TRUE((*tx)->FreePage(first).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(e->Report().free_pages, pages);
  auto tx = e->BeginWrite();
  auto p = (*tx)->AllocatePages(2);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(PageNumberOf(*p), first);  // contiguous run from the freed pages
}

// Pages with unflushed single-page versions are freed and reused inside an overflow run before
// the next flush: the flush must not write the stale single pages over the run.
TEST_P(FreeSpaceEnvTest, FlushOfPagesReusedInsideNewerRun) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  std::vector<PageNumber> pages;
  {
    auto tx = e->BeginWrite();
    for (int i = 0; i < 3; ++i) {
      auto p = (*tx)->AllocatePages(1);
      pages.push_back(PageNumberOf(*p));
      FillPage(*p, pages.back(), i);
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  {
    auto tx = e->BeginWrite();
    ASSERT_TRUE((*tx)->FreePage(pages[1]).ok());
    ASSERT_TRUE((*tx)->FreePage(pages[2]).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  {
    auto tx = e->BeginWrite();
    auto p = (*tx)->AllocatePages(2);
    ASSERT_EQ(PageNumberOf(*p), pages[1]);  // the two freed pages, reused as one run
    testing::FillRun(*p, pages[1], 77, 2);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(e->FlushNow().ok());
  ASSERT_TRUE(e->SyncNow().ok());
  EXPECT_EQ(e->Report().page_versions, 0u);  // reads below come from the data file
  auto r = e->BeginRead();
  auto run = (*r)->GetPage(pages[1]);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(testing::RunValue(*run, pages[1], 2), 77u);
  EXPECT_EQ(PageValue(*(*r)->GetPage(pages[0]), pages[0]), 0u);
}

TEST_P(FreeSpaceEnvTest, InvalidUseIsRejected) {
  auto e = Open();
  auto tx = e->BeginWrite();
  EXPECT_EQ((*tx)->FreePage(0).code(), Code::kInvalidArgument);
  EXPECT_EQ((*tx)->FreePage(50).code(), Code::kInvalidArgument);
  EXPECT_EQ((*tx)->ModifyPage(50).status().code(), Code::kInvalidArgument);
  auto p = (*tx)->AllocatePages(1);
  const PageNumber n = PageNumberOf(*p);
  ASSERT_TRUE((*tx)->FreePage(n).ok());
  EXPECT_EQ((*tx)->FreePage(n).code(), Code::kInvalidArgument);
  auto r = e->BeginRead();
  EXPECT_EQ((*r)->ModifyPage(1).status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Envs, FreeSpaceEnvTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage

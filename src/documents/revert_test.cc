// Revert to a point in time, in the documents layer with a manual clock: creates, updates and
// deletes spread over time; the revisioned documents equal a snapshot taken at the point;
// documents without revisions are untouched; revert of a revert; dry run == real run; writes
// during a revert; the window; trimmed history.
#include "documents/revisions_test_util.h"

namespace rookery::documents {
namespace {

std::string UserDoc(int n) {
  return R"({"n":)" + std::to_string(n) + R"(,"@metadata":{"@collection":"Users"}})";
}

class RevertTest : public RevisionsTest {
 protected:
  void SetUp() override {
    RevisionsTest::SetUp();
    Configure(R"({"Collections":{"Users":{},"Orders":{}}})");
  }

  // History used by most tests; returns the point in time (the snapshot is taken there).
  uint64_t BuildHistory(std::map<std::string, std::string>* at_point) {
    for (int i = 1; i <= 5; ++i) PutOne("users/" + std::to_string(i), UserDoc(i));
    for (int i = 1; i <= 3; ++i) {
      PutOne("orders/" + std::to_string(i), R"({"o":1,"@metadata":{"@collection":"Orders"}})");
    }
    PutOne("notes/1", R"({"text":"a","@metadata":{"@collection":"Notes"}})");
    clock_->Advance(10 * kMinute);
    PutOne("users/1", UserDoc(11));
    Run({Del("users/2")});
    PutOne("users/6", UserDoc(6));
    clock_->Advance(10 * kMinute);
    const uint64_t point = clock_->now;
    *at_point = Snapshot();
    clock_->Advance(kMinute);
    PutOne("users/1", UserDoc(111));
    PutOne("users/3", UserDoc(33));
    Run({Del("users/4")});
    PutOne("users/7", UserDoc(7));
    Run({Del("orders/1")});
    PutOne("users/2", UserDoc(22));  // deleted before the point, back after it
    PutOne("notes/1", R"({"text":"b","@metadata":{"@collection":"Notes"}})");
    PutOne("notes/2", R"({"text":"c","@metadata":{"@collection":"Notes"}})");
    clock_->Advance(10 * kMinute);
    PutOne("users/3", UserDoc(333));
    Run({Del("users/7")});
    clock_->Advance(kMinute);
    return point;
  }

  RevertResult Revert(uint64_t point, bool dry_run = false, size_t batch = 3,
                      const std::function<void(const RevertResult&)>& progress = nullptr) {
    RevertRequest request;
    request.time_micros = static_cast<int64_t>(point);
    request.dry_run = dry_run;
    request.batch_size = batch;
    auto r = db_->RevertRevisions(request, progress);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : RevertResult{};
  }

  // Only the documents of revisioned collections.
  static std::map<std::string, std::string> Revisioned(std::map<std::string, std::string> all) {
    std::erase_if(all, [](const auto& kv) { return kv.first.starts_with("notes/"); });
    return all;
  }
};

TEST_F(RevertTest, RevisionedDocumentsEqualTheSnapshotAtThePoint) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  auto before = Snapshot();
  RevertResult r = Revert(point);
  auto after = Snapshot();
  auto expected = Revisioned(at_point);
  auto got = Revisioned(after);
  for (const auto& [id, json] : expected) {
    ASSERT_TRUE(got.contains(id)) << id << " missing after the revert";
    EXPECT_EQ(got[id], json) << id;
  }
  for (const auto& [id, json] : got) EXPECT_TRUE(expected.contains(id)) << id << " should be gone";
  // Documents without revisions are untouched.
  EXPECT_EQ(after["notes/1"], before["notes/1"]);
  EXPECT_TRUE(after.contains("notes/2"));
  // users/1, users/3 restored; users/4, orders/1 re-created; users/2 deleted; users/7 (created
  // and deleted after the point) needs nothing.
  EXPECT_EQ(r.reverted, 5u);
  EXPECT_EQ(r.collections["Users"].restored, 3u);
  EXPECT_EQ(r.collections["Users"].deleted, 1u);
  EXPECT_EQ(r.collections["Orders"].restored, 1u);
  EXPECT_EQ(r.skipped_concurrent, 0u);
  // The revert wrote revisions like any write: users/2 now ends with a delete revision.
  RevisionsPage users2 = Revisions("users/2");
  EXPECT_EQ(users2.revisions.at(0).flags, "HasRevisions, DeleteRevision");
}

TEST_F(RevertTest, DryRunReportsWhatTheRevertThenDoes) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  auto before = Snapshot();
  const uint64_t etag_before = db_->LastEtag();
  RevertResult dry = Revert(point, /*dry_run=*/true);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(db_->LastEtag(), etag_before);  // nothing written
  RevertResult real = Revert(point);
  EXPECT_EQ(dry.reverted, real.reverted);
  EXPECT_EQ(dry.skipped, real.skipped);
  EXPECT_EQ(dry.scanned, real.scanned);
  ASSERT_EQ(dry.collections.size(), real.collections.size());
  for (const auto& [name, c] : real.collections) {
    EXPECT_EQ(dry.collections[name].restored, c.restored) << name;
    EXPECT_EQ(dry.collections[name].deleted, c.deleted) << name;
  }
  EXPECT_EQ(dry.ids, real.ids);
  EXPECT_EQ(real.ids.size(), real.reverted);
}

TEST_F(RevertTest, RevertOfARevertRestoresTheStateBeforeIt) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  const uint64_t before_revert = clock_->now;
  auto before = Snapshot();
  clock_->Advance(kMinute);
  Revert(point);
  ASSERT_NE(Snapshot(), before);
  clock_->Advance(kMinute);
  RevertResult back = Revert(before_revert);
  EXPECT_EQ(back.reverted, 5u);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RevertTest, RunningItAgainChangesNothing) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  Revert(point);
  auto after = Snapshot();
  const uint64_t etag = db_->LastEtag();
  RevertResult again = Revert(point);
  EXPECT_EQ(again.reverted, 0u);
  EXPECT_EQ(db_->LastEtag(), etag);
  EXPECT_EQ(Snapshot(), after);
}

TEST_F(RevertTest, CollectionsLimitTheRevert) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  RevertRequest request;
  request.time_micros = static_cast<int64_t>(point);
  request.collections = {"orders"};
  auto r = db_->RevertRevisions(request, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reverted, 1u);
  EXPECT_TRUE(Get("orders/1"));
  EXPECT_EQ(Field(Get("users/1")->json, "n"), "111");  // Users left alone
}

TEST_F(RevertTest, ClientWritesDuringTheRevertAreKept) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  bool wrote = false;
  RevertResult r = Revert(point, false, /*batch=*/1, [&](const RevertResult&) {
    if (wrote) return;
    wrote = true;
    // A client writes between two batches of the revert.
    PutOne("users/1", UserDoc(1000));
    PutOne("users/3", UserDoc(3000));
    PutOne("users/99", UserDoc(99));
  });
  ASSERT_TRUE(wrote);
  EXPECT_EQ(Field(Get("users/1")->json, "n"), "1000");
  EXPECT_EQ(Field(Get("users/3")->json, "n"), "3000");
  EXPECT_TRUE(Get("users/99"));
  // At most one of the two was reverted in the first batch (before the client's write).
  EXPECT_GE(r.skipped_concurrent, 1u);
  EXPECT_EQ(r.reverted + r.skipped_concurrent, 5u);
  EXPECT_FALSE(Get("users/2"));  // the rest was reverted
  EXPECT_TRUE(Get("users/4"));
}

TEST_F(RevertTest, ScanStopsAtThePointMinusTheWindow) {
  PutOne("users/1", UserDoc(1));
  PutOne("users/2", UserDoc(2));
  clock_->Advance(5 * 24 * 60 * kMinute);
  const uint64_t point = clock_->now;
  clock_->Advance(kMinute);
  PutOne("users/1", UserDoc(10));
  RevertRequest request;
  request.time_micros = static_cast<int64_t>(point);
  request.window_micros = 60 * kMinute;
  auto r = db_->RevertRevisions(request, nullptr);
  ASSERT_TRUE(r.ok());
  // The update, then the first revision older than the window ends the scan.
  EXPECT_EQ(r->scanned, 2u);
  EXPECT_EQ(r->reverted, 1u);
  EXPECT_EQ(Field(Get("users/1")->json, "n"), "1");
}

TEST_F(RevertTest, TrimmedHistoryIsSkipped) {
  Configure(R"({"Collections":{"Users":{"MinimumRevisionsToKeep":2}}})");
  PutOne("users/1", UserDoc(1));
  clock_->Advance(kMinute);
  const uint64_t point = clock_->now;
  clock_->Advance(kMinute);
  for (int i = 2; i <= 4; ++i) PutOne("users/1", UserDoc(i));
  RevertResult r = Revert(point);
  EXPECT_EQ(r.skipped_missing_history, 1u);
  EXPECT_EQ(r.reverted, 0u);
  EXPECT_EQ(Field(Get("users/1")->json, "n"), "4");
}

TEST_F(RevertTest, RevertsSurviveReopen) {
  std::map<std::string, std::string> at_point;
  const uint64_t point = BuildHistory(&at_point);
  Revert(point);
  auto after = Snapshot();
  Reopen();
  EXPECT_EQ(Snapshot(), after);
}

}  // namespace
}  // namespace rookery::documents

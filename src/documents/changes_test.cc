// ReadChanges, LastEtag and the write observer: what indexing builds on.
#include <atomic>

#include "documents/database_test_util.h"

namespace rookery::documents {
namespace {

std::vector<std::string> Ids(const ChangeBatch& batch) {
  std::vector<std::string> out;
  for (const Change& c : batch.changes) out.push_back((c.deleted ? "-" : "+") + c.id);
  return out;
}

TEST_F(DatabaseTest, ChangesMergeDocumentsAndTombstonesInEtagOrder) {
  EXPECT_EQ(db_->LastEtag(), 0u);
  PutOne("users/1", R"({"@metadata":{"@collection":"Users"}})");             // 1
  PutOne("orders/1", R"({"@metadata":{"@collection":"Orders"}})");           // 2
  PutOne("users/2", R"({"Name":"b","@metadata":{"@collection":"Users"}})");  // 3
  Run({Del("users/1")});                                                     // 4
  PutOne("users/2", R"({"Name":"B","@metadata":{"@collection":"users"}})");  // 5
  EXPECT_EQ(db_->LastEtag(), 5u);

  auto all = db_->ReadChanges(0, "", 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"+orders/1", "-users/1", "+users/2"}));
  EXPECT_EQ(all->covered_etag, 5u);
  EXPECT_EQ(all->last_etag, 5u);
  EXPECT_EQ(all->changes[1].collection, "Users");
  EXPECT_TRUE(all->changes[1].json.empty());
  EXPECT_NE(all->changes[2].json.find("\"B\""), std::string::npos);

  auto users = db_->ReadChanges(0, "USERS", 100);
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(Ids(*users), (std::vector<std::string>{"-users/1", "+users/2"}));

  // A limit cuts the batch; covered_etag says where to continue.
  auto first = db_->ReadChanges(0, "Users", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Ids(*first), (std::vector<std::string>{"-users/1"}));
  EXPECT_EQ(first->covered_etag, 4u);
  auto rest = db_->ReadChanges(first->covered_etag, "Users", 1);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Ids(*rest), (std::vector<std::string>{"+users/2"}));
  EXPECT_EQ(rest->covered_etag, 5u);

  auto none = db_->ReadChanges(5, "Users", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->changes.empty());
  EXPECT_EQ(none->covered_etag, 5u);

  Reopen();
  EXPECT_EQ(db_->LastEtag(), 5u);
}

// ReadChangesInto reuses one batch: every read gives exactly what ReadChanges gives, whatever
// the batch held before (longer or shorter, documents where tombstones now are and back).
TEST_F(DatabaseTest, ReadChangesIntoAReusedBatchEqualsReadChanges) {
  for (int i = 0; i < 20; ++i) {
    const std::string collection = i % 3 == 0 ? "Orders" : "Users";
    PutOne("users/" + std::to_string(i), "{\"N\":\"" + std::string(i * 50, 'x') +
                                             "\",\"@metadata\":{\"@collection\":\"" + collection +
                                             "\"}}");
  }
  Run({Del("users/3")});
  Run({Del("users/7")});
  ChangeBatch reused;
  const struct {
    uint64_t after;
    const char* collection;
    size_t limit;
  } reads[] = {{0, "", 100},       {5, "Users", 3}, {0, "", 2},      {2, "", 100},
               {0, "Orders", 100}, {21, "", 100},   {0, "Users", 0}, {0, "", 100}};
  for (const auto& r : reads) {
    auto fresh = db_->ReadChanges(r.after, r.collection, r.limit);
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    ASSERT_TRUE(db_->ReadChangesInto(r.after, r.collection, r.limit, &reused).ok());
    ASSERT_EQ(reused.changes.size(), fresh->changes.size()) << r.after << " " << r.collection;
    for (size_t i = 0; i < reused.changes.size(); ++i) {
      const Change& a = reused.changes[i];
      const Change& b = fresh->changes[i];
      EXPECT_EQ(a.etag, b.etag);
      EXPECT_EQ(a.deleted, b.deleted);
      EXPECT_EQ(a.id, b.id);
      EXPECT_EQ(a.collection, b.collection);
      EXPECT_EQ(a.json, b.json);
    }
    EXPECT_EQ(reused.covered_etag, fresh->covered_etag);
    EXPECT_EQ(reused.last_etag, fresh->last_etag);
  }
}

TEST_F(DatabaseTest, RecreatingInAnotherCollectionKeepsTheOldCollectionsTombstone) {
  PutOne("users/4", R"({"@metadata":{"@collection":"Users"}})");  // 1
  Run({Del("users/4")});                                          // 2
  PutOne("users/4", R"({"@metadata":{"@collection":"Other"}})");  // 3

  // Users' readers still learn that users/4 left Users; Other's see the new document.
  auto users = db_->ReadChanges(0, "Users", 100);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  EXPECT_EQ(Ids(*users), (std::vector<std::string>{"-users/4"}));
  auto all = db_->ReadChanges(0, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"-users/4", "+users/4"}));

  // Deleting again replaces the old tombstone; recreating in the same collection removes it.
  Run({Del("users/4")});  // 4
  all = db_->ReadChanges(0, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"-users/4"}));
  EXPECT_EQ(all->changes[0].collection, "Other");
  PutOne("users/4", R"({"@metadata":{"@collection":"Other"}})");  // 5
  all = db_->ReadChanges(0, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"+users/4"}));

  Reopen();
  auto again = db_->ReadChanges(0, "", 100);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Ids(*again), (std::vector<std::string>{"+users/4"}));
}

TEST_F(DatabaseTest, WriteObserverSeesEveryCommitThatWrote) {
  std::atomic<uint64_t> seen{0};
  std::atomic<int> calls{0};
  db_->SetWriteObserver([&](uint64_t etag) {
    seen = etag;
    ++calls;
  });
  PutOne("a", "{}");
  EXPECT_EQ(seen.load(), 1u);
  Run({Del("missing")});  // writes nothing
  EXPECT_EQ(calls.load(), 1);
  Run({Put("b", "{}"), Put("c", "{}")});
  EXPECT_EQ(seen.load(), 3u);
  db_->SetWriteObserver(nullptr);
  PutOne("d", "{}");
  EXPECT_EQ(seen.load(), 3u);
  EXPECT_EQ(db_->LastEtag(), 4u);
}

}  // namespace
}  // namespace rookery::documents

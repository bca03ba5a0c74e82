// Documents, metadata, etags, change vectors, tombstones, concurrency and persistence.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "documents/database_test_util.h"

namespace rookery::documents {
namespace {

const char* kUser = R"({"name":"John","@metadata":{"@collection":"Users","Raven-Node-Type":"User",)"
                    R"("@nested-object-types":{"createdAt":"date"},"custom":"x","@id":"bogus",)"
                    R"("@change-vector":"bogus","@flags":"HasCounters","@last-modified":"never"}})";

TEST_F(DatabaseTest, PutAndGetAreCaseInsensitiveAndKeepCasing) {
  PutResult put = PutOne("Users/1-A", kUser);
  EXPECT_EQ(put.id, "Users/1-A");
  EXPECT_EQ(put.collection, "Users");
  for (const char* id : {"users/1-a", "USERS/1-A", "Users/1-A"}) {
    auto doc = Get(id);
    ASSERT_TRUE(doc.has_value()) << id;
    EXPECT_EQ(doc->id, "Users/1-A");
    EXPECT_EQ(doc->change_vector, put.change_vector);
  }
  EXPECT_FALSE(Get("users/2").has_value());
  EXPECT_FALSE(Get("").has_value());
  // A later PUT with other casing: one document, the casing of the latest PUT.
  PutOne("USERS/1-a", kUser);
  EXPECT_EQ(Get("users/1-a")->id, "USERS/1-a");
  EXPECT_EQ(Stats().documents, 1u);
}

TEST_F(DatabaseTest, StoredJsonHasServerMetadataAndKeepsClientMetadata) {
  PutResult put = PutOne("users/1", kUser);
  auto doc = Get("users/1");
  ASSERT_TRUE(doc.has_value());
  json::Value v = J(doc->json);
  EXPECT_EQ(v.Find("name")->as_string(), "John");
  const json::Value* meta = v.Find("@metadata");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->Find("@collection")->as_string(), "Users");
  EXPECT_EQ(meta->Find("Raven-Node-Type")->as_string(), "User");
  EXPECT_EQ(*meta->Find("@nested-object-types"), J(R"({"createdAt":"date"})"));
  EXPECT_EQ(meta->Find("custom")->as_string(), "x");
  EXPECT_EQ(meta->Find("@id")->as_string(), "users/1");
  EXPECT_EQ(meta->Find("@change-vector")->as_string(), put.change_vector);
  EXPECT_EQ(meta->Find("@last-modified")->as_string(), put.last_modified);
  EXPECT_EQ(meta->Find("@flags"), nullptr);  // server-owned, none set
  EXPECT_EQ(doc->last_modified, put.last_modified);
  EXPECT_TRUE(
      std::regex_match(put.last_modified, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}0Z)")))
      << put.last_modified;

  // No @collection: @empty, and the stored metadata gets none.
  PutOne("things/1", R"({"a":1})");
  doc = Get("things/1");
  EXPECT_EQ(doc->collection, "@empty");
  EXPECT_EQ(J(doc->json).Find("@metadata")->Find("@collection"), nullptr);
}

TEST_F(DatabaseTest, EtagsIncreaseAndChangeVectorsNameTheDatabase) {
  const std::string& dbid = db_->database_id();
  EXPECT_TRUE(std::regex_match(dbid, std::regex("[A-Za-z0-9_-]{22}"))) << dbid;
  uint64_t last = 0;
  for (int i = 1; i <= 5; ++i) {
    PutResult p = PutOne("users/" + std::to_string(i % 3), R"({"i":1})");
    auto doc = Get(p.id);
    EXPECT_GT(doc->etag, last);
    last = doc->etag;
    EXPECT_EQ(p.change_vector, "A:" + std::to_string(doc->etag) + "-" + dbid);
  }
  auto r = Run({Del("users/1")});
  auto del = std::get<DeleteResult>(r[0]);
  EXPECT_EQ(del.change_vector, "A:6-" + dbid);
  DatabaseStats s = Stats();
  EXPECT_EQ(s.last_etag, 6u);
  EXPECT_EQ(s.change_vector, "A:6-" + dbid);
}

TEST_F(DatabaseTest, DeletesLeaveTombstones) {
  PutOne("users/1", kUser);
  PutOne("users/2", kUser);
  auto r = Run({Del("USERS/1"), Del("users/404")});
  auto d1 = std::get<DeleteResult>(r[0]);
  auto d2 = std::get<DeleteResult>(r[1]);
  EXPECT_TRUE(d1.deleted);
  EXPECT_EQ(d1.id, "USERS/1");
  EXPECT_FALSE(d2.deleted);
  EXPECT_EQ(d2.change_vector, "");
  EXPECT_FALSE(Get("users/1").has_value());
  DatabaseStats s = Stats();
  EXPECT_EQ(s.documents, 1u);
  EXPECT_EQ(s.tombstones, 1u);
  EXPECT_EQ(s.last_etag, 3u);  // the missing id took no etag
  ASSERT_EQ(s.collections.size(), 1u);
  EXPECT_EQ(s.collections[0].count, 1u);
  // Re-creating the id removes its tombstone.
  PutOne("users/1", kUser);
  EXPECT_EQ(Stats().tombstones, 0u);
  EXPECT_EQ(Stats().collections[0].count, 2u);
}

TEST_F(DatabaseTest, ExpectedChangeVector) {
  // "" = must not exist.
  PutResult p = PutOne("users/1", kUser, "");
  auto r = db_->Execute({Put("users/1", kUser, "")});
  ASSERT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(r.status().message(),
            "Document users/1 has change vector " + p.change_vector +
                ", but Put was called with expecting new document. Optimistic concurrency "
                "violation, transaction will be aborted.");
  // A wrong value.
  r = db_->Execute({Put("users/1", kUser, "A:9-y")});
  ASSERT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(r.status().message(),
            "Document users/1 has change vector " + p.change_vector +
                ", but Put was called with change vector A:9-y. Optimistic concurrency "
                "violation, transaction will be aborted.");
  // A missing document with a value.
  r = db_->Execute({Put("users/2", kUser, "A:1-y")});
  ASSERT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(r.status().message(),
            "Document users/2 does not exist, but Put was called with change vector: A:1-y. "
            "Optimistic concurrency violation, transaction will be aborted.");
  // The right value, and null (no check).
  PutResult p2 = PutOne("users/1", kUser, p.change_vector);
  PutOne("users/1", kUser, std::nullopt);
  // Deletes check too.
  r = db_->Execute({Del("users/1", p2.change_vector)});
  ASSERT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("but Delete was called with change vector"),
            std::string::npos);
  EXPECT_TRUE(Get("users/1").has_value());
  EXPECT_EQ(db_->Execute({Del("users/404", "A:1-x")}).status().code(), Code::kConflict);
  EXPECT_TRUE(db_->Execute({Del("users/404", "")}).ok());
}

TEST_F(DatabaseTest, BatchIsAtomic) {
  PutOne("users/9", kUser);
  const uint64_t etag = Stats().last_etag;
  auto r = db_->Execute({Put("users/1", kUser), Del("users/9"), Put("users/9", kUser, "A:1-no")});
  ASSERT_EQ(r.status().code(), Code::kConflict);
  EXPECT_FALSE(Get("users/1").has_value());
  EXPECT_TRUE(Get("users/9").has_value());
  DatabaseStats s = Stats();
  EXPECT_EQ(s.last_etag, etag);
  EXPECT_EQ(s.documents, 1u);
  EXPECT_EQ(s.tombstones, 0u);
  // Invalid input is refused the same way.
  r = db_->Execute({Put("users/1", kUser), Put("users/2", "[1,2]")});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(Get("users/1").has_value());
}

TEST_F(DatabaseTest, InvalidInput) {
  auto code = [&](std::vector<Command> c) { return db_->Execute(std::move(c)).status().code(); };
  EXPECT_EQ(code({Put("a", "[1]")}), Code::kInvalidArgument);
  EXPECT_EQ(code({Put("a", "\"text\"")}), Code::kInvalidArgument);
  EXPECT_EQ(code({Put("a", R"({"@metadata":[1]})")}), Code::kInvalidArgument);
  EXPECT_EQ(code({Put("a", R"({"@metadata":{"@collection":5}})")}), Code::kInvalidArgument);
  EXPECT_EQ(code({Put(std::string(600, 'x'), "{}")}), Code::kInvalidArgument);
  EXPECT_EQ(code({Del("")}), Code::kInvalidArgument);
  auto r = db_->Execute({Put("a", "[1]")});
  EXPECT_NE(r.status().message().find("must be a JSON object"), std::string::npos)
      << r.status().ToString();
  EXPECT_TRUE(db_->Execute({}).ok());
  EXPECT_EQ(Stats().last_etag, 0u);
}

TEST_F(DatabaseTest, CollectionChangeIsRefused) {
  PutOne("users/1", kUser);
  // Same collection in other casing is fine; the record keeps the casing of the latest PUT.
  PutOne("users/1", R"({"@metadata":{"@collection":"USERS"}})");
  auto r = db_->Execute({Put("users/1", R"({"@metadata":{"@collection":"People"}})")});
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "Changing 'users/1' from 'USERS' to 'People' via update is not supported. Delete it "
            "and recreate the document users/1.");
  // After a delete the id may join another collection.
  Run({Del("users/1")});
  EXPECT_EQ(PutOne("users/1", R"({"@metadata":{"@collection":"People"}})").collection, "People");
}

TEST_F(DatabaseTest, GetManyOneSnapshotInOrder) {
  PutOne("a/1", "{}");
  PutOne("a/2", "{}");
  auto many = db_->GetMany({"a/2", "nope", "A/1"});
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many->size(), 3u);
  EXPECT_EQ((*many)[0]->id, "a/2");
  EXPECT_FALSE((*many)[1].has_value());
  EXPECT_EQ((*many)[2]->id, "a/1");
  // The JSON-only form: the same documents' stored text, in order.
  PutOne("a/3", R"({"X":[1,2]})");
  auto json = db_->GetJsonMany({"a/3", "nope", "A/1", ""});
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  ASSERT_EQ(json->size(), 4u);
  auto a3 = db_->Get("a/3");
  ASSERT_TRUE(a3.ok() && a3->has_value());
  EXPECT_EQ((*json)[0], (*a3)->json);
  EXPECT_FALSE((*json)[1].has_value());
  EXPECT_EQ((*json)[2], (*many)[2]->json);
  EXPECT_FALSE((*json)[3].has_value());
}

TEST_F(DatabaseTest, StatsAndReopen) {
  PutOne("users/1", kUser);
  PutOne("users/2", R"({"@metadata":{"@collection":"users"}})");
  PutOne("orders/1", R"({"@metadata":{"@collection":"Orders"}})");
  PutOne("x", "{}");
  Run({Del("orders/1")});
  const std::string dbid = db_->database_id();
  for (int round = 0; round < 2; ++round) {
    DatabaseStats s = Stats();
    EXPECT_EQ(s.documents, 3u);
    EXPECT_EQ(s.tombstones, 1u);
    EXPECT_EQ(s.last_etag, 5u);
    EXPECT_EQ(s.database_id, dbid);
    EXPECT_EQ(s.change_vector, "A:5-" + dbid);
    EXPECT_GT(s.size_on_disk, 0u);
    ASSERT_EQ(s.collections.size(), 2u);  // Orders went to zero and disappeared
    EXPECT_EQ(s.collections[0].name, "@empty");
    EXPECT_EQ(s.collections[0].count, 1u);
    EXPECT_EQ(s.collections[1].name, "Users");  // the name first written
    EXPECT_EQ(s.collections[1].count, 2u);
    EXPECT_EQ(Get("USERS/2")->id, "users/2");
    Reopen();
  }
  EXPECT_EQ(db_->database_id(), dbid);
  EXPECT_EQ(PutOne("users/3", kUser).change_vector, "A:6-" + dbid);  // etags continue
}

// Collection counts are kept per transaction and stored at commit: within one batch a collection
// that empties and fills again takes the new casing, and one that appears and empties leaves no
// entry, exactly as when every change is stored at once.
TEST_F(DatabaseTest, CollectionCountsWithinOneBatch) {
  PutOne("a/1", R"({"@metadata":{"@collection":"Apples"}})");
  Run({Del("a/1"), Put("a/2", R"({"@metadata":{"@collection":"APPLES"}})"),
       Put("a/3", R"({"@metadata":{"@collection":"apples"}})"),
       Put("p/1", R"({"@metadata":{"@collection":"Pears"}})"), Del("p/1")});
  DatabaseStats s = Stats();
  ASSERT_EQ(s.collections.size(), 1u) << "Pears came and went";
  EXPECT_EQ(s.collections[0].name, "APPLES");
  EXPECT_EQ(s.collections[0].count, 2u);
  // A failing batch merged with others leaves the counts of the others only.
  EXPECT_FALSE(db_->Execute({Put("a/4", R"({"@metadata":{"@collection":"Apples"}})"),
                             Put("a/2", "{}", std::string("A:1-wrong"))})
                   .ok());
  EXPECT_EQ(Stats().collections[0].count, 2u);
  Reopen();
  EXPECT_EQ(Stats().collections[0].count, 2u);
}

TEST_F(DatabaseTest, ConcurrentBatchesAreMergedAndAFailingOneIsIsolated) {
  PutOne("locked", "{}");
  TransactionMerger& merger = db_->merger();
  for (int round = 0; round < 2; ++round) {
    merger.Pause();
    std::vector<std::thread> threads;
    std::vector<Status> results(8);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        std::vector<Command> batch;
        for (int i = 0; i < 3; ++i) {
          batch.push_back(
              Put("r" + std::to_string(round) + "/t" + std::to_string(t) + "/" + std::to_string(i),
                  kUser));
        }
        if (round == 1 && t == 3) batch.push_back(Put("locked", "{}", "A:999-nope"));
        results[t] = db_->Execute(std::move(batch)).status();
      });
    }
    while (merger.queued() < 8) std::this_thread::yield();
    merger.Resume();
    for (auto& th : threads) th.join();
    for (int t = 0; t < 8; ++t) {
      const bool fails = round == 1 && t == 3;
      EXPECT_EQ(results[t].code(), fails ? Code::kConflict : Code::kOk) << round << "/" << t;
      EXPECT_EQ(Get("r" + std::to_string(round) + "/t" + std::to_string(t) + "/0").has_value(),
                !fails);
    }
  }
  DatabaseStats s = Stats();
  EXPECT_EQ(s.documents, 1u + 8 * 3 + 7 * 3);
  EXPECT_EQ(s.last_etag, 1u + 8 * 3 + 7 * 3);  // no etag leaked from the failed batch
  EXPECT_EQ(s.write_batches, 1u + 8 + 7);
  EXPECT_EQ(s.write_transactions, 3u);  // the first put, then one per round
}

}  // namespace
}  // namespace rookery::documents

// Server-generated ids, HiLo ranges and prefix listings.
#include <gtest/gtest.h>

#include <regex>

#include "documents/database_test_util.h"
#include "documents/ids.h"

namespace rookery::documents {
namespace {

TEST_F(DatabaseTest, GeneratedIds) {
  PutResult guid = PutOne("", R"({"a":1})");
  EXPECT_TRUE(std::regex_match(
      guid.id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")))
      << guid.id;
  EXPECT_TRUE(Get(guid.id).has_value());

  // "users/" takes the etag the PUT gets.
  PutResult etag_id = PutOne("users/", R"({"a":1})");
  EXPECT_EQ(etag_id.id, "users/0000000000000000002-A");
  EXPECT_EQ(etag_id.change_vector, "A:2-" + db_->database_id());

  // "users|" takes the next identity of "users/", persisted across reopen.
  auto r = Run({Put("users|", "{}"), Put("Users|", "{}"), Put("orders|", "{}")});
  EXPECT_EQ(std::get<PutResult>(r[0]).id, "users/1");
  EXPECT_EQ(std::get<PutResult>(r[1]).id, "Users/2");  // identities are case-insensitive
  EXPECT_EQ(std::get<PutResult>(r[2]).id, "orders/1");
  // A failed batch does not consume identities.
  EXPECT_FALSE(db_->Execute({Put("users|", "{}"), Put("x", "[]")}).ok());
  Reopen();
  EXPECT_EQ(PutOne("users|", "{}").id, "users/3");
}

TEST_F(DatabaseTest, HiLoRangesFollowTheCapacityRules) {
  HiLoRequest req;
  req.tag = "users";
  req.last_range_at = "1970-01-01T00:00:00.0000000Z";
  auto first = db_->NextHiLo(req);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->prefix, "users/");
  EXPECT_EQ(first->low, 1u);
  EXPECT_EQ(first->high, 32u);
  EXPECT_EQ(first->last_size, 32u);
  EXPECT_EQ(first->server_tag, "A");
  auto doc = Get("raven/hilo/users");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->id, "Raven/Hilo/users");
  EXPECT_EQ(doc->collection, "@hilo");
  EXPECT_EQ(J(doc->json).Find("Max")->as_uint(), 32u);

  // Asked again at once (< 30 s): the capacity doubles.
  req.last_batch_size = first->last_size;
  req.last_range_at = first->last_range_at;
  req.last_max = first->high;
  auto second = db_->NextHiLo(req);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->low, 33u);
  EXPECT_EQ(second->high, 96u);
  EXPECT_EQ(second->last_size, 64u);

  // Between 30 and 60 s: the same size; over 60 s: half (at least 32); unparsable: the same.
  const uint64_t now = env_->NowMicros();
  req.last_batch_size = 200;
  req.last_range_at = FormatDate(now - 45 * 1000000ull);
  EXPECT_EQ(db_->NextHiLo(req)->last_size, 200u);
  req.last_range_at = FormatDate(now - 600 * 1000000ull);
  EXPECT_EQ(db_->NextHiLo(req)->last_size, 100u);
  req.last_range_at = "not a date";
  EXPECT_EQ(db_->NextHiLo(req)->last_size, 200u);
  req.last_batch_size = 10;
  EXPECT_EQ(db_->NextHiLo(req)->last_size, 32u);
  req.last_batch_size = 4'000'000;
  req.last_range_at = FormatDate(now);
  EXPECT_EQ(db_->NextHiLo(req)->last_size, 1048576u);

  // Separator and an empty tag.
  HiLoRequest other;
  other.tag = "Orders";
  other.separator = "-";
  EXPECT_EQ(db_->NextHiLo(other)->prefix, "Orders-");
  other.tag = "";
  EXPECT_EQ(db_->NextHiLo(other).status().code(), Code::kInvalidArgument);
}

TEST_F(DatabaseTest, HiLoHonoursAClientWrittenMaxAndLastMax) {
  PutOne("Raven/Hilo/users", R"({"Max":64,"@metadata":{"@collection":"@hilo"}})");
  HiLoRequest req;
  req.tag = "users";
  auto range = db_->NextHiLo(req);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->low, 65u);
  EXPECT_EQ(range->high, 96u);
  // A client's lastMax above the document wins.
  req.last_max = 1000;
  range = db_->NextHiLo(req);
  EXPECT_EQ(range->low, 1001u);
  // A document written without the @hilo collection keeps its own collection.
  PutOne("Raven/Hilo/things", R"({"Max":5})");
  req = HiLoRequest{};
  req.tag = "things";
  EXPECT_EQ(db_->NextHiLo(req)->low, 6u);
  EXPECT_EQ(Get("Raven/Hilo/things")->collection, "@empty");
}

TEST_F(DatabaseTest, HiLoReturn) {
  HiLoRequest req;
  req.tag = "users";
  auto range = db_->NextHiLo(req);  // 1..32
  ASSERT_TRUE(range.ok());
  // Wrong end: ignored.
  ASSERT_TRUE(db_->ReturnHiLo("users", 31, 5).ok());
  EXPECT_EQ(J(Get("Raven/Hilo/users")->json).Find("Max")->as_uint(), 32u);
  // last > Max: ignored.
  ASSERT_TRUE(db_->ReturnHiLo("users", 32, 40).ok());
  EXPECT_EQ(J(Get("Raven/Hilo/users")->json).Find("Max")->as_uint(), 32u);
  // The right end: Max goes back to the last id used, and the next range continues from it.
  ASSERT_TRUE(db_->ReturnHiLo("users", 32, 5).ok());
  EXPECT_EQ(J(Get("Raven/Hilo/users")->json).Find("Max")->as_uint(), 5u);
  EXPECT_EQ(db_->NextHiLo(req)->low, 6u);
  // Unknown tag: nothing to do.
  EXPECT_TRUE(db_->ReturnHiLo("nobody", 32, 5).ok());
  EXPECT_FALSE(Get("Raven/Hilo/nobody").has_value());
}

std::vector<std::string> Ids(const Result<std::vector<Document>>& docs) {
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  std::vector<std::string> out;
  if (docs.ok()) {
    for (const Document& d : *docs) out.push_back(d.id);
  }
  return out;
}

TEST_F(DatabaseTest, StartsWith) {
  for (const char* id :
       {"users/1", "Users/10", "users/2", "users/20", "users/3", "usersx/1", "orders/1", "user"}) {
    PutOne(id, "{}");
  }
  using V = std::vector<std::string>;
  StartsWithQuery q;
  q.prefix = "USERS/";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)),
            (V{"users/1", "Users/10", "users/2", "users/20", "users/3"}));
  q.matches = "1*|3";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), (V{"users/1", "Users/10", "users/3"}));
  q.exclude = "?0";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), (V{"users/1", "users/3"}));
  q.matches = q.exclude = "";
  q.start = 1;
  q.page_size = 2;
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), (V{"Users/10", "users/2"}));
  q.start = 0;
  q.start_after = "users/10";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), (V{"users/2", "users/20"}));
  q.start_after = "zzz";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), V{});
  q = StartsWithQuery{};
  q.prefix = "";
  q.page_size = 100;
  EXPECT_EQ(Ids(db_->GetStartingWith(q)).size(), 8u);
  q.page_size = 0;
  EXPECT_EQ(Ids(db_->GetStartingWith(q)).size(), 0u);
  // Deleted documents are not listed.
  Run({Del("users/2")});
  q = StartsWithQuery{};
  q.prefix = "users/2";
  EXPECT_EQ(Ids(db_->GetStartingWith(q)), V{"users/20"});
}

}  // namespace
}  // namespace rookery::documents

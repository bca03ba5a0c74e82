// Revisions in the documents layer: configuration, what puts and deletes store, flags, trimming
// by count and by age (manual clock), the bin, reads, and persistence across reopen.
#include "documents/revisions_test_util.h"

namespace rookery::documents {
namespace {

TEST(RevisionsConfigTest, ParsesDefaultAndCollectionsCaseInsensitively) {
  auto c = ParseRevisionsConfig(J(R"({"Default":{"MinimumRevisionsToKeep":5},
            "Collections":{"Users":{"PurgeOnDelete":true,"MinimumRevisionAgeToKeep":"1.02:03:04.5"},
                           "Logs":{"Disabled":true}}})"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_NE(c->For("orders"), nullptr);
  EXPECT_EQ(c->For("orders")->minimum_revisions_to_keep, 5u);
  const CollectionRevisionsConfig* users = c->For("USERS");
  ASSERT_NE(users, nullptr);
  EXPECT_TRUE(users->purge_on_delete);
  EXPECT_FALSE(users->minimum_revisions_to_keep.has_value());  // replaces Default entirely
  EXPECT_EQ(users->minimum_revision_age_micros, ((26ull * 60 + 3) * 60 + 4) * 1000000 + 500000);
  EXPECT_EQ(c->For("logs"), nullptr);
  // The canonical form reads back to the same settings.
  auto again = ParseRevisionsConfig(RevisionsConfigToJson(*c));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->For("users")->minimum_revision_age_micros, users->minimum_revision_age_micros);
  EXPECT_EQ(json::Serialize(RevisionsConfigToJson(*again)),
            json::Serialize(RevisionsConfigToJson(*c)));
}

TEST(RevisionsConfigTest, RefusesBadValuesNamingTheMember) {
  for (const char* bad :
       {R"({"Default":{"MinimumRevisionsToKeep":-1}})",
        R"({"Default":{"MinimumRevisionsToKeep":"5"}})", R"({"Default":{"Disabled":1}})",
        R"({"Collections":{"Users":{"MinimumRevisionAgeToKeep":"soon"}}})",
        R"({"Collections":[1]})", R"([1])"}) {
    auto c = ParseRevisionsConfig(J(bad));
    EXPECT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(ParseRevisionsConfig(J(R"({"Default":null})")).ok());
  // The Node client's create-database call names the default "DefaultConfig".
  auto alias = ParseRevisionsConfig(J(R"({"DefaultConfig":{"MinimumRevisionsToKeep":2}})"));
  ASSERT_TRUE(alias.ok());
  ASSERT_NE(alias->For("any"), nullptr);
  EXPECT_EQ(alias->For("any")->minimum_revisions_to_keep, 2u);
  EXPECT_EQ(ParseRevisionsConfig(J("{}"))->For("users"), nullptr);
}

TEST(RevisionsConfigTest, TimeSpans) {
  EXPECT_EQ(ParseTimeSpan("00:00:01"), 1000000u);
  EXPECT_EQ(ParseTimeSpan("7.00:00:00"), 7ull * 86400 * 1000000);
  EXPECT_EQ(ParseTimeSpan("00:00:00.1234567"), 123456u);
  EXPECT_FALSE(ParseTimeSpan("-00:00:01"));
  EXPECT_FALSE(ParseTimeSpan("00:61:00"));
  EXPECT_FALSE(ParseTimeSpan("1:2"));
  EXPECT_EQ(FormatTimeSpan(7ull * 86400 * 1000000 + 1500000), "7.00:00:01.5000000");
  EXPECT_EQ(FormatTimeSpan(0), "0.00:00:00");
}

TEST_F(RevisionsTest, PutStoresRevisionsNewestFirstWithFlags) {
  Configure(R"({"Default":{"Disabled":false}})");
  PutResult a = PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"Users"}})");
  EXPECT_EQ(a.flags, "HasRevisions");
  PutResult b = PutOne("users/1", R"({"n":2,"@metadata":{"@collection":"Users"}})");
  auto doc = Get("users/1");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->flags, "HasRevisions");
  EXPECT_NE(doc->json.find(R"("@flags":"HasRevisions")"), std::string::npos) << doc->json;

  RevisionsPage page = Revisions("USERS/1");
  ASSERT_EQ(page.total, 2u);
  ASSERT_EQ(page.revisions.size(), 2u);
  EXPECT_EQ(page.revisions[0].change_vector, b.change_vector);
  EXPECT_EQ(page.revisions[1].change_vector, a.change_vector);
  EXPECT_EQ(page.revisions[0].flags, "HasRevisions, Revision");
  EXPECT_EQ(Field(page.revisions[0].json, "n"), "2");
  EXPECT_NE(page.revisions[0].json.find(R"("@flags":"HasRevisions, Revision")"), std::string::npos);
  // Paging.
  auto second = db_->GetRevisions("users/1", 1, 5);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->revisions.size(), 1u);
  EXPECT_EQ(second->revisions[0].change_vector, a.change_vector);
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);
  EXPECT_EQ(Stats().revisions, 2u);
  // By change vector, in order, unknown ones null.
  auto by_cv = db_->GetRevisionsByChangeVector({a.change_vector, "A:99-nope", b.change_vector});
  ASSERT_TRUE(by_cv.ok());
  ASSERT_EQ(by_cv->size(), 3u);
  ASSERT_TRUE((*by_cv)[0]);
  EXPECT_EQ(Field((*by_cv)[0]->json, "n"), "1");
  EXPECT_FALSE((*by_cv)[1]);
  EXPECT_EQ(Field((*by_cv)[2]->json, "n"), "2");
}

TEST_F(RevisionsTest, CollectionsWithoutRevisionsStoreNone) {
  Configure(R"({"Collections":{"Users":{}}})");
  PutResult o = PutOne("orders/1", R"({"@metadata":{"@collection":"Orders"}})");
  EXPECT_EQ(o.flags, "");
  EXPECT_EQ(*db_->CountRevisions("orders/1"), 0u);
  PutOne("users/1", R"({"@metadata":{"@collection":"users"}})");  // any casing
  EXPECT_EQ(*db_->CountRevisions("users/1"), 1u);
}

TEST_F(RevisionsTest, DeleteStoresDeleteRevisionAndBin) {
  Configure(R"({"Default":{}})");
  PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"Users"}})");
  PutOne("users/2", R"({"n":1,"@metadata":{"@collection":"Users"}})");
  Run({Del("users/1")});
  Run({Del("users/2")});
  RevisionsPage page = Revisions("users/1");
  ASSERT_EQ(page.total, 2u);
  EXPECT_EQ(page.revisions[0].flags, "HasRevisions, DeleteRevision");
  EXPECT_EQ(page.revisions[0].json.find(R"("n")"), std::string::npos) << page.revisions[0].json;
  EXPECT_NE(page.revisions[0].json.find(R"("@collection":"Users")"), std::string::npos);
  auto bin = db_->GetRevisionsBin(0, 10);
  ASSERT_TRUE(bin.ok());
  ASSERT_EQ(bin->size(), 2u);
  EXPECT_EQ((*bin)[0].id, "users/2");  // newest delete first
  EXPECT_EQ((*bin)[1].id, "users/1");
  EXPECT_EQ(db_->GetRevisionsBin(1, 10)->size(), 1u);
  // Re-creating a document takes it out of the bin.
  PutOne("users/1", R"({"n":3,"@metadata":{"@collection":"Users"}})");
  bin = db_->GetRevisionsBin(0, 10);
  ASSERT_EQ(bin->size(), 1u);
  EXPECT_EQ((*bin)[0].id, "users/2");
}

TEST_F(RevisionsTest, PurgeOnDeleteDropsTheHistory) {
  Configure(R"({"Default":{"PurgeOnDelete":true}})");
  PutOne("users/1", R"({"@metadata":{"@collection":"Users"}})");
  PutOne("users/1", R"({"x":1,"@metadata":{"@collection":"Users"}})");
  Run({Del("users/1")});
  EXPECT_EQ(*db_->CountRevisions("users/1"), 0u);
  EXPECT_TRUE(db_->GetRevisionsBin(0, 10)->empty());
  EXPECT_EQ(Stats().revisions, 0u);
}

TEST_F(RevisionsTest, TrimsByCountOldestFirst) {
  Configure(R"({"Default":{"MinimumRevisionsToKeep":3}})");
  for (int i = 1; i <= 6; ++i) {
    PutOne("users/1", R"({"n":)" + std::to_string(i) + R"(,"@metadata":{"@collection":"U"}})");
  }
  RevisionsPage page = Revisions("users/1");
  ASSERT_EQ(page.total, 3u);
  EXPECT_EQ(Field(page.revisions[0].json, "n"), "6");
  EXPECT_EQ(Field(page.revisions[2].json, "n"), "4");
  EXPECT_EQ(Stats().revisions, 3u);
}

TEST_F(RevisionsTest, MaximumToDeleteUponUpdateLimitsEachWrite) {
  PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  Configure(R"({"Default":{}})");
  for (int i = 0; i < 5; ++i) PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  Configure(R"({"Default":{"MinimumRevisionsToKeep":1,
                            "MaximumRevisionsToDeleteUponDocumentUpdate":2}})");
  PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");  // 6 revisions, 2 dropped
  EXPECT_EQ(*db_->CountRevisions("users/1"), 4u);
  PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 3u);
}

TEST_F(RevisionsTest, TrimsByAgeWithTheEnvClock) {
  Configure(R"({"Default":{"MinimumRevisionAgeToKeep":"01:00:00"}})");
  PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"U"}})");
  clock_->Advance(30 * kMinute);
  PutOne("users/1", R"({"n":2,"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);  // 30 minutes old: kept
  clock_->Advance(45 * kMinute);
  PutOne("users/1", R"({"n":3,"@metadata":{"@collection":"U"}})");
  // n=1 is 75 minutes old: dropped; n=2 is 45 minutes old: kept.
  RevisionsPage page = Revisions("users/1");
  ASSERT_EQ(page.total, 2u);
  EXPECT_EQ(Field(page.revisions[1].json, "n"), "2");
}

TEST_F(RevisionsTest, CountAndAgeTogetherKeepWhatEitherProtects) {
  Configure(R"({"Default":{"MinimumRevisionsToKeep":1,"MinimumRevisionAgeToKeep":"01:00:00"}})");
  PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"U"}})");
  PutOne("users/1", R"({"n":2,"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);  // young: kept despite the count
  clock_->Advance(2 * 60 * kMinute);
  PutOne("users/1", R"({"n":3,"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 1u);
}

TEST_F(RevisionsTest, RevisionBeforeATime) {
  Configure(R"({"Default":{}})");
  const uint64_t t0 = clock_->now;
  PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"U"}})");
  clock_->Advance(kMinute);
  PutOne("users/1", R"({"n":2,"@metadata":{"@collection":"U"}})");
  auto r = db_->GetRevisionBefore("users/1", static_cast<int64_t>(t0 + 30 * 1000000));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(*r);
  EXPECT_EQ(Field((*r)->json, "n"), "1");
  EXPECT_FALSE(*db_->GetRevisionBefore("users/1", static_cast<int64_t>(t0) - 1));
}

TEST_F(RevisionsTest, DisablingKeepsHistoryAndFlagAndRecordsTheDelete) {
  Configure(R"({"Default":{}})");
  PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  Configure(R"({"Default":{"Disabled":true}})");
  PutResult p = PutOne("users/1", R"({"x":1,"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(p.flags, "HasRevisions");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 1u);
  Run({Del("users/1")});
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);
  EXPECT_EQ(db_->GetRevisionsBin(0, 10)->size(), 1u);
}

TEST_F(RevisionsTest, ConfigurationAndRevisionsSurviveReopen) {
  Configure(R"({"Default":{"MinimumRevisionsToKeep":2},"Collections":{"Logs":{"Disabled":true}}})");
  PutOne("users/1", R"({"n":1,"@metadata":{"@collection":"U"}})");
  PutOne("users/1", R"({"n":2,"@metadata":{"@collection":"U"}})");
  Run({Del("users/1")});
  Reopen();
  auto config = db_->RevisionsConfigJson();
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(*config);
  EXPECT_EQ((*config)->Find("Default")->Find("MinimumRevisionsToKeep")->as_uint(), 2u);
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);
  EXPECT_EQ(db_->GetRevisionsBin(0, 10)->size(), 1u);
  // The configuration still applies after reopen.
  PutOne("logs/1", R"({"@metadata":{"@collection":"Logs"}})");
  EXPECT_EQ(*db_->CountRevisions("logs/1"), 0u);
  PutOne("users/1", R"({"n":3,"@metadata":{"@collection":"U"}})");
  EXPECT_EQ(*db_->CountRevisions("users/1"), 2u);
}

TEST_F(RevisionsTest, NoConfigurationMeansNoRevisions) {
  PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  Run({Del("users/1")});
  EXPECT_EQ(Stats().revisions, 0u);
  EXPECT_FALSE(*db_->RevisionsConfigJson());
}

TEST_F(RevisionsTest, AFailedBatchLeavesNoRevision) {
  Configure(R"({"Default":{}})");
  PutResult a = PutOne("users/1", R"({"@metadata":{"@collection":"U"}})");
  auto r = db_->Execute({Put("users/2", R"({"@metadata":{"@collection":"U"}})"),
                         Put("users/1", "{}", std::string("A:999-x"))});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*db_->CountRevisions("users/2"), 0u);
  EXPECT_EQ(Stats().revisions, 1u);
}

}  // namespace
}  // namespace rookery::documents

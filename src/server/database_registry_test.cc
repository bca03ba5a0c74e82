#include "server/database_registry.h"

#include <gtest/gtest.h>

#include "server/router.h"

namespace rookery::server {
namespace {

json::Value Record() {
  return json::Value::Object();
}

TEST(DatabaseRegistryTest, ValidatesNamesLikeRavenDb) {
  EXPECT_TRUE(DatabaseRegistry::ValidateName("Shop-1_a.b").ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName("").ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName(".").ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName("..").ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName("a/b").ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName("a b").ok());
  EXPECT_TRUE(DatabaseRegistry::ValidateName(std::string(128, 'x')).ok());
  EXPECT_FALSE(DatabaseRegistry::ValidateName(std::string(129, 'x')).ok());
}

TEST(DatabaseRegistryTest, CreateListDeleteAndReopen) {
  auto env = platform::NewMemEnv();
  {
    DatabaseRegistry registry(*env, "data");
    ASSERT_TRUE(registry.Init().ok());
    ASSERT_TRUE(registry.Create("Shop", Record()).ok());
    ASSERT_TRUE(registry.Create("archive", Record()).ok());
    Status dup = registry.Create("SHOP", Record());
    EXPECT_EQ(dup.code(), Code::kAlreadyExists);
    EXPECT_EQ(dup.message(), "Database 'SHOP' already exists!");
    EXPECT_EQ(registry.List(), (std::vector<std::string>{"archive", "Shop"}));
    auto record = registry.Record("shop");
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->Find("DatabaseName")->as_string(), "Shop");
    ASSERT_TRUE(registry.Get("shop").ok());
    ASSERT_TRUE(registry.Delete("archive").ok());
    EXPECT_EQ(registry.Delete("archive").code(), Code::kNotFound);
    EXPECT_EQ(registry.Get("archive").status().code(), Code::kNotFound);
    EXPECT_FALSE(*env->Exists("data/Databases/archive"));
  }
  // A directory without a record (an interrupted create) is removed at the next start.
  ASSERT_TRUE(env->CreateDirs("data/Databases/orphan").ok());
  DatabaseRegistry registry(*env, "data");
  ASSERT_TRUE(registry.Init().ok());
  EXPECT_EQ(registry.List(), (std::vector<std::string>{"Shop"}));
  EXPECT_FALSE(*env->Exists("data/Databases/orphan"));
  ASSERT_TRUE(registry.Create("archive", Record()).ok());  // the name is reusable
  EXPECT_TRUE(registry.Get("archive").ok());
}

TEST(RouterTest, DatabaseRoutesAndRouteNotFound) {
  Router router;
  std::string seen;
  router.AddDatabase("GET", "/docs",
                     [&](const HttpRequest&, HttpResponse&, const std::string& db) { seen = db; });
  HttpRequest req;
  req.method = "GET";
  req.path = "/databases/db1/docs";
  HttpResponse res;
  router.Dispatch(req, res);
  EXPECT_EQ(seen, "db1");
  req.method = "PUT";
  HttpResponse wrong;
  router.Dispatch(req, wrong);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("RouteNotFoundException"), std::string::npos);
  EXPECT_NE(wrong.body.find("accepts GET"), std::string::npos);
  std::string db, rest;
  EXPECT_FALSE(Router::SplitDatabasePath("/databases/db1", &db, &rest));
  EXPECT_FALSE(Router::SplitDatabasePath("/databases//docs", &db, &rest));
  EXPECT_TRUE(Router::SplitDatabasePath("/databases/db1/hilo/next", &db, &rest));
  EXPECT_EQ(rest, "/hilo/next");
}

}  // namespace
}  // namespace rookery::server

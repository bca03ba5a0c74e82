#include "server/http.h"

#include <gtest/gtest.h>

namespace rookery::server {
namespace {

TEST(HttpTest, ParsesRavenClientQueryForms) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> q;
  ParseTarget("/databases/db1/docs?&id=users%2F1-A&id=b&wait-for-indexing&x=a+b&sep=/", &path, &q);
  EXPECT_EQ(path, "/databases/db1/docs");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"id", "users/1-A"}));
  EXPECT_EQ(q[1].second, "b");
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"wait-for-indexing", ""}));
  EXPECT_EQ(q[3].second, "a b");
  EXPECT_EQ(q[4].second, "/");
  HttpRequest req;
  req.query = q;
  EXPECT_EQ(req.QueryAll("id").size(), 2u);
  EXPECT_TRUE(req.HasQuery("wait-for-indexing"));
  EXPECT_EQ(req.Query("missing"), "");
}

TEST(HttpTest, TrailingQuestionMarkAndBadEscapes) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> q;
  ParseTarget("/databases/db1/bulk_docs?", &path, &q);
  EXPECT_EQ(path, "/databases/db1/bulk_docs");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%41%42", false), "AB");
}

TEST(HttpTest, HeadersAreCaseInsensitive) {
  HttpRequest req;
  req.headers = {{"If-None-Match", "\"A:1\""}};
  EXPECT_EQ(req.Header("if-none-match"), "\"A:1\"");
  HttpResponse res;
  res.SetHeader("ETag", "1");
  res.SetHeader("etag", "2");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "2");
}

}  // namespace
}  // namespace rookery::server

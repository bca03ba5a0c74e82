// The RavenDB document endpoints of the real `rookery serve` process at the HTTP level: error
// shapes (protocol.md §4), limits, and concurrent optimistic writers.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_process.h"

namespace rookery::testing {
namespace {

const std::string kBinary = ROOKERY_BINARY;

class DocumentsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    process_ = std::make_unique<ServerProcess>(
        kBinary,
        std::vector<std::string>{"serve", "--port", "0", "--data-dir", dir_.path() + "/d",
                                 "--Http.MaxRequestBodySizeInMb=1"},
        dir_.path());
    ASSERT_FALSE(process_->WaitForUrl().empty()) << process_->Stderr();
    HttpConnection c(port());
    HttpReply r = c.Request("PUT", "/admin/databases?name=db1", R"({"DatabaseName":"db1"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void TearDown() override {
    process_->WriteStdin("shutdown\n");
    EXPECT_EQ(process_->Wait(), 0) << process_->Stderr();
  }
  int port() const { return process_->port(); }
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& headers = "") {
    HttpConnection c(port());
    return c.Request(method, target, body, headers);
  }
  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> process_;
};

TEST_F(DocumentsHttpTest, InvalidJsonIsBadRequestWithThePosition) {
  HttpReply r = Send("POST", "/databases/db1/bulk_docs", "{\"Commands\": [\n  {\"Type\": }]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "\"Type\":\"Raven.Client.Exceptions.BadRequestException\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "line 2")) << r.body;
  EXPECT_TRUE(Has(r.body, "\"Url\":\"/databases/db1/bulk_docs\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "\"Error\":")) << r.body;

  r = Send("PUT", "/databases/db1/docs?id=a", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "empty")) << r.body;
  r = Send("PUT", "/admin/databases?name=x", "[1,");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "BadRequestException")) << r.body;
}

TEST_F(DocumentsHttpTest, WrongTypesAreClearErrors) {
  HttpReply r = Send("POST", "/databases/db1/bulk_docs", R"({"Commands":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "'Commands' in the batch must be an array, got an object")) << r.body;

  r = Send("POST", "/databases/db1/bulk_docs",
           R"({"Commands":[{"Type":"PUT","Id":"a","Document":[1]}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "'Document' in Commands[0] must be an object, got an array")) << r.body;

  r = Send("POST", "/databases/db1/bulk_docs",
           R"({"Commands":[{"Type":"PUT","Id":"a","Document":{},"ChangeVector":5}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "'ChangeVector' in Commands[0] must be a string")) << r.body;

  r = Send("POST", "/databases/db1/bulk_docs", R"({"Commands":[{"Type":"FROB","Id":"a"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "unknown batch command type 'FROB'")) << r.body;

  r = Send("POST", "/databases/db1/bulk_docs",
           R"({"Commands":[{"Type":"PATCH","Id":"a","Patch":{"Script":"this.x=1"}}]})");
  EXPECT_EQ(r.status, 501);
  EXPECT_TRUE(Has(r.body, "NotSupportedException")) << r.body;
  EXPECT_TRUE(Has(r.body, "'PATCH'")) << r.body;

  r = Send("POST", "/databases/db1/docs", R"({"Ids":[1]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "'Ids' must hold strings, got a number")) << r.body;

  r = Send("GET", "/databases/db1/docs?startsWith=a&pageSize=many");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "'pageSize' must be a non-negative integer")) << r.body;

  r = Send("DELETE", "/admin/databases", R"({"DatabaseNames":"db1"})");
  EXPECT_EQ(r.status, 400);
  r = Send("PUT", "/admin/databases?name=bad%20name", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "only letters, digits")) << r.body;
  r = Send("PUT", "/admin/databases?name=..", "{}");
  EXPECT_EQ(r.status, 400);
}

TEST_F(DocumentsHttpTest, HugeBodyIs413) {
  const std::string big(2 << 20, 'x');
  HttpReply r = Send("PUT", "/databases/db1/docs?id=big", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(Has(r.body, "Http.MaxRequestBodySizeInMb")) << r.body;
  // The server is still fine.
  EXPECT_EQ(Send("GET", "/databases/db1/stats").status, 200);
}

TEST_F(DocumentsHttpTest, UnknownDatabaseIs503WithDatabaseMissing) {
  HttpReply r = Send("GET", "/databases/nope/docs?id=a");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Has(r.headers, "Database-Missing: nope")) << r.headers;
  EXPECT_TRUE(Has(r.body, "DatabaseDoesNotExistException")) << r.body;

  r = Send("GET", "/topology?name=nope");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Has(r.headers, "Database-Missing: nope")) << r.headers;
  EXPECT_EQ(r.body, R"({"Type":"Error","Message":"Database nope wasn't found"})");

  r = Send("POST", "/databases/nope/multi_get", R"({"Requests":[]})");
  EXPECT_EQ(r.status, 503);
}

TEST_F(DocumentsHttpTest, UnknownRouteAndWrongMethodAre400RouteNotFound) {
  HttpReply r = Send("GET", "/databases/db1/no-such-thing");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "Raven.Server.Routing.RouteNotFoundException")) << r.body;
  r = Send("GET", "/nothing/here");
  EXPECT_EQ(r.status, 400);
  r = Send("PATCH", "/databases/db1/bulk_docs", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "this path accepts POST")) << r.body;
  // Route matching comes before the database lookup.
  EXPECT_EQ(Send("GET", "/databases/nope/no-such-thing").status, 400);
}

TEST_F(DocumentsHttpTest, TopologyUsesTheHostTheClientUsed) {
  HttpReply r = Send("GET", "/topology?name=db1&first-topology-update");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Has(r.body, "\"Url\":\"http://127.0.0.1:" + std::to_string(port()) + "\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "\"Database\":\"db1\"")) << r.body;
  r = Send("GET", "/cluster/topology");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Has(r.body, "\"Members\":{\"A\":")) << r.body;
  EXPECT_TRUE(Has(r.body, "\"Status\":{}")) << r.body;
  r = Send("GET", "/cluster/node-info");
  EXPECT_TRUE(Has(r.body, "\"NodeTag\":\"A\"")) << r.body;
}

// bulk_docs reads a plain batch without a json::Value tree, and anything unusual (duplicate keys,
// an invalid document) through the general path: the stored documents and the errors are the
// same either way.
TEST_F(DocumentsHttpTest, BulkDocsStoresAndRefusesAlikeOnBothReadPaths) {
  HttpReply r = Send("POST", "/databases/db1/bulk_docs",
                     R"({"Commands":[{"Id":"t/1","Type":"PUT","ChangeVector":null,"Document":)"
                     R"({"s":"a\u00e9\"","n":1.50,"@metadata":{"@collection":"Ts","@id":"spoof",)"
                     R"("@flags":"x","k":[1,{}]}}},{"Id":"t/0","Type":"DELETE"}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(Has(r.body, R"({"Type":"PUT","@id":"t/1","@collection":"Ts","@change-vector":")"))
      << r.body;
  EXPECT_TRUE(Has(r.body, R"({"Id":"t/0","Type":"DELETE","Deleted":false,"ChangeVector":null})"))
      << r.body;
  r = Send("GET", "/databases/db1/docs?id=t/1");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Has(r.body,
                  "{\"s\":\"a\xc3\xa9\\\"\",\"n\":1.5,\"@metadata\":{\"@collection\":\"Ts\","
                  "\"k\":[1,{}],\"@change-vector\":"))
      << r.body;
  EXPECT_TRUE(Has(r.body, R"("@id":"t/1")")) << r.body;
  EXPECT_FALSE(Has(r.body, "spoof")) << r.body;

  // A duplicate key: the last value wins, as json::Parse decides.
  r = Send("POST", "/databases/db1/bulk_docs",
           R"({"Commands":[{"Id":"t/2","Type":"PUT","Document":{"x":1,"x":2}}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = Send("GET", "/databases/db1/docs?id=t/2");
  EXPECT_TRUE(Has(r.body, R"({"Results":[{"x":2,"@metadata":{"@change-vector":)")) << r.body;

  // An invalid document after a valid one: the general path's error, and nothing written.
  r = Send("POST", "/databases/db1/bulk_docs",
           R"({"Commands":[{"Id":"t/3","Type":"PUT","Document":{}},)"
           R"({"Id":"t/4","Type":"PUT","Document":{"@metadata":{"@collection":5}}}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Has(r.body, "@metadata.@collection of document 't/4' must be a string, got a number"))
      << r.body;
  EXPECT_EQ(Send("GET", "/databases/db1/docs?id=t/3").status, 404);
}

TEST_F(DocumentsHttpTest, DocumentRoundTripEtagsAndHead) {
  HttpReply r = Send("PUT", "/databases/db1/docs?id=users%2F1",
                     R"({"name":"a","@metadata":{"@collection":"Users"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(Has(r.body, "\"Id\":\"users/1\"")) << r.body;
  r = Send("GET", "/databases/db1/docs?&id=users%2F1");
  ASSERT_EQ(r.status, 200);
  const size_t at = r.headers.find("ETag: \"");
  ASSERT_NE(at, std::string::npos) << r.headers;
  const std::string cv = r.headers.substr(at + 7, r.headers.find('"', at + 7) - at - 7);
  EXPECT_TRUE(Has(r.body, "\"@change-vector\":\"" + cv + "\"")) << r.body;
  EXPECT_EQ(
      Send("GET", "/databases/db1/docs?id=users/1", "", "If-None-Match: \"" + cv + "\"\r\n").status,
      304);
  EXPECT_EQ(Send("HEAD", "/databases/db1/docs?id=users/1").status, 200);
  EXPECT_EQ(
      Send("HEAD", "/databases/db1/docs?id=users/1", "", "If-None-Match: " + cv + "\r\n").status,
      304);
  r = Send("GET", "/databases/db1/docs?id=users/2");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Send("HEAD", "/databases/db1/docs?id=users/2").status, 404);
  r = Send("DELETE", "/databases/db1/docs?id=users/1", "",
           "If-Match: \"A:1-wrongwrongwrongwrongwr\"\r\n");
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(Has(r.body, "ConcurrencyException")) << r.body;
  EXPECT_EQ(
      Send("DELETE", "/databases/db1/docs?id=users/1", "", "If-Match: \"" + cv + "\"\r\n").status,
      204);
}

TEST_F(DocumentsHttpTest, ConcurrentWritersWithIfMatchExactlyOneWins) {
  HttpReply r = Send("PUT", "/databases/db1/docs?id=counter", R"({"n":0})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string marker = "\"ChangeVector\":\"";
  const size_t at = r.body.find(marker) + marker.size();
  const std::string cv = r.body.substr(at, r.body.find('"', at) - at);

  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      HttpConnection c(port());
      HttpReply w =
          c.Request("PUT", "/databases/db1/docs?id=counter",
                    "{\"n\":" + std::to_string(i + 1) + "}", "If-Match: \"" + cv + "\"\r\n");
      if (w.status == 201) {
        ++ok;
      } else if (w.status == 409 && w.body.find("ConcurrencyException") != std::string::npos) {
        ++conflict;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), kWriters - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(DocumentsHttpTest, MultiGetAcceptsStringAndObjectContent) {
  ASSERT_EQ(Send("PUT", "/databases/db1/docs?id=a", R"({"v":1})").status, 201);
  HttpReply r = Send("POST", "/databases/db1/multi_get",
                     R"({"Requests":[
      {"Url":"/databases/db1/docs","Query":"?&id=a","Method":"GET","Headers":{}},
      {"Url":"/databases/db1/docs","Query":"?id=missing"},
      {"Url":"/databases/db1/docs","Method":"POST","Content":"{\"Ids\":[\"a\"]}"},
      {"Url":"/databases/db1/docs","Method":"POST","Content":{"Ids":["a"]}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  // One missing id: Results:[null] rather than a null Result (the Node client needs a body).
  EXPECT_TRUE(Has(r.body, R"({"Result":{"Results":[null],"Includes":{}},"StatusCode":200)"))
      << r.body;
  size_t count = 0;
  for (size_t p = r.body.find("\"v\":1"); p != std::string::npos;
       p = r.body.find("\"v\":1", p + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << r.body;
}

}  // namespace
}  // namespace rookery::testing

#include "server/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "server/http_server.h"

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

// A loopback client socket with a 30 s receive timeout, so a broken server fails the test instead
// of hanging it.
int ConnectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Reads until the server closes the connection (0) or the receive timeout fires (-1).
ssize_t ReadUntilClosed(int fd, std::string* got) {
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) got->append(buf, static_cast<size_t>(n));
  return n;
}

// The idle timeout is enforced by the server's sweep, not per-operation timers: a connection that
// answered a request and then sends nothing is closed by the server; the request itself is
// answered with keep-alive.
TEST(HttpServerTest, ClosesIdleKeepAliveConnection) {
  HttpServerOptions options;
  options.port = 0;
  options.idle_timeout = std::chrono::seconds(1);
  auto server = HttpServer::Start(options, [](const HttpRequest& req, HttpResponse& res) {
    res.body = "{\"Path\":\"" + req.path + "\"}";
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int fd = ConnectTo((*server)->port());
  const std::string request = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string got;
  EXPECT_EQ(ReadUntilClosed(fd, &got), 0) << "the server did not close the idle connection";
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("{\"Path\":\"/x\"}"), std::string::npos) << got;
  ::close(fd);
  (*server)->Stop(std::chrono::seconds(5));
}

// A connection that never sends a request is closed as well.
TEST(HttpServerTest, ClosesConnectionThatSendsNothing) {
  HttpServerOptions options;
  options.port = 0;
  options.idle_timeout = std::chrono::seconds(1);
  auto server = HttpServer::Start(options, [](const HttpRequest&, HttpResponse&) {});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int fd = ConnectTo((*server)->port());
  std::string got;
  EXPECT_EQ(ReadUntilClosed(fd, &got), 0) << "the server did not close the silent connection";
  EXPECT_TRUE(got.empty()) << got;
  ::close(fd);
  (*server)->Stop(std::chrono::seconds(5));
}

// With busy polling the I/O thread keeps polling after each request instead of sleeping: requests
// answered inline and on the worker pool (whose responses are posted back to the polling thread)
// both arrive, over many keep-alive round trips, and Stop() still ends the polling threads.
TEST(HttpServerTest, BusyPollingServesInlineAndWorkerRequests) {
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.busy_poll = std::chrono::microseconds(200);
  options.handle_inline = [](const HttpRequest& req) { return req.path == "/inline"; };
  auto server = HttpServer::Start(options, [](const HttpRequest& req, HttpResponse& res) {
    res.body = "{\"Path\":\"" + req.path + "\"}";
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int fd = ConnectTo((*server)->port());
  for (int i = 0; i < 200; ++i) {
    const std::string path = i % 2 == 0 ? "/inline" : "/worker";
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    const std::string body = "{\"Path\":\"" + path + "\"}";
    std::string got;
    char buf[4096];
    while (got.find(body) == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      ASSERT_GT(n, 0) << "request " << i << " got no complete response: " << got;
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  }
  ::close(fd);
  (*server)->Stop(std::chrono::seconds(5));
}

}  // namespace
}  // namespace rookery::server

// A minimal blocking HTTP/1.1 client for the document benchmark: one keep-alive TCP connection,
// TCP_NODELAY, one request at a time, responses framed by Content-Length (what Rookery sends).
// Plain sockets rather than Boost.Beast, so the client costs little CPU and compile time and the
// figures are the server's.
//
// Threads: one HttpConnection per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rookery::bench {

struct HttpReply {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  static Result<HttpConnection> Connect(const std::string& host, uint16_t port);
  HttpConnection() = default;
  HttpConnection(HttpConnection&& other) noexcept;
  HttpConnection& operator=(HttpConnection&& other) noexcept;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  // Sends the request and reads the whole response into *reply (reused to avoid allocations).
  // Fails on a socket error, a malformed response, or a connection the server closed.
  Status Request(std::string_view method, std::string_view target, std::string_view body,
                 HttpReply* reply);

 private:
  Status ReadResponse(HttpReply* reply);
  int fd_ = -1;
  std::string host_header_;
  std::string request_;  // reused buffer
  std::string in_;       // bytes read but not consumed
};

// `s` percent-encoded for a query component (unreserved characters kept).
std::string UrlEncode(std::string_view s);

}  // namespace rookery::bench

// HttpServer: HTTP/1.1 with keep-alive on a fixed pool of threads.
//
// One fixed pool of threads runs both the sockets and the handlers: a request's handler runs on
// the thread that read the request, inside its connection's strand, so a request costs no thread
// hand-off (two hand-offs per request, to a worker and back, were most of the server's CPU on
// small GETs: docs/performance.md). A handler that waits (for a commit, for indexing) holds only
// its own thread; the pool has io_threads + worker_threads threads so that the others keep
// serving connections while up to worker_threads handlers wait. Request
// size limits are enforced while reading: a body over the limit is answered 413 before it is
// read. Stop() is graceful: no new connections, in-flight requests finish and are answered, idle
// keep-alive connections are closed.
//
// Threads: Start/Stop/port from one controlling thread; the handler is called concurrently from
// the pool's threads and must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "server/http.h"

namespace rookery::server {

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8080;         // 0: the kernel picks a free port (see HttpServer::port())
  unsigned io_threads = 1;      // threads that, with worker_threads, run the one pool
  unsigned worker_threads = 4;  // extra threads, for handlers that wait
  uint64_t max_body_bytes = uint64_t{128} << 20;
  uint32_t max_header_bytes = 64 << 10;
  std::chrono::seconds idle_timeout{120};
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

class HttpServer {
 public:
  // Binds and listens; returns once the socket accepts connections. Fails (kBusy for an address
  // in use, kInvalidArgument for a bad address) without starting anything.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;

  // The port actually bound (useful with port 0).
  virtual uint16_t port() const = 0;
  // Graceful stop; waits up to `grace` for in-flight requests, then closes everything. Idempotent.
  virtual void Stop(std::chrono::milliseconds grace) = 0;
};

}  // namespace rookery::server

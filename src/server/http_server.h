// HttpServer: HTTP/1.1 with keep-alive on a fixed pool of threads.
//
// I/O threads run the sockets, each with its own io_context and its share of the connections;
// handlers run on a separate fixed pool of worker threads so that a handler that waits (for
// indexing, for a commit) never stalls other connections' I/O. Requests that never wait
// (HttpServerOptions::handle_inline, e.g. loading a document by id) are answered on the I/O
// thread that read them instead: the two thread hand-offs, to a worker and back, cost more than
// such a request itself (docs/performance.md). Request size limits are enforced while reading:
// a body over the limit is answered 413 before it is read. Idle connections are closed after
// idle_timeout. Stop() is graceful: no new connections, in-flight requests finish and are
// answered, idle keep-alive connections are closed.
//
// Threads: Start/Stop/port from one controlling thread; the handler (and handle_inline) is called
// concurrently from the worker and I/O threads and must be thread-safe.
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
  uint16_t port = 8080;  // 0: the kernel picks a free port (see HttpServer::port())
  unsigned io_threads = 1;
  unsigned worker_threads = 4;
  uint64_t max_body_bytes = uint64_t{128} << 20;
  uint32_t max_header_bytes = 64 << 10;
  std::chrono::seconds idle_timeout{120};
  // Adaptive busy polling (docs/design/http.md): after handling anything, an I/O thread keeps
  // polling its sockets without blocking (yielding the core between polls) for up to this long
  // before it sleeps in the kernel again, so that the next request of a ping-pong client finds it
  // awake. Costs at most this much CPU per burst of activity; an idle server costs nothing.
  // 0: always block.
  std::chrono::microseconds busy_poll{0};
  // Requests for which this returns true are handled on the I/O thread that read them; such a
  // handler must never block on anything but memory and page-cache reads, or it stalls the other
  // connections of its I/O thread. Unset: every request goes to the worker pool.
  std::function<bool(const HttpRequest&)> handle_inline;
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

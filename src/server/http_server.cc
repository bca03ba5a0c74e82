// The only translation unit that includes Boost.Beast (about 24 s of CPU to compile).
#include "server/http_server.h"

#include <sched.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "server/errors.h"

namespace rookery::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class ServerImpl;

// The status line and headers of a response, byte for byte as Beast's serializer writes them for
// the same http::response (what Respond built before): the handler's headers in order, a later
// one replacing an earlier one of the same name (case-insensitive) at the end, as
// basic_fields::set does; then Content-Type (application/json when the handler set none and
// there is a body), "Connection: close" unless kept alive, and Content-Length. Handlers never set
// Connection, Content-Length or Transfer-Encoding themselves (the server owns them); such a
// header would be dropped. Written by hand because Beast's serializer (buffer-sequence variants,
// a fields container with a node per header) was about a tenth of a GET's CPU.
void AppendResponseHead(const HttpResponse& res, bool keep, size_t content_length,
                        std::string* out) {
  const unsigned status = static_cast<unsigned>(res.status);
  out->append("HTTP/1.1 ");
  out->append(std::to_string(status));
  out->push_back(' ');
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  bool has_content_type = false;
  for (size_t i = 0; i < res.headers.size(); ++i) {
    const auto& [name, value] = res.headers[i];
    if (EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Content-Length") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    bool replaced_later = false;
    for (size_t j = i + 1; j < res.headers.size() && !replaced_later; ++j) {
      replaced_later = EqualsIgnoreCase(name, res.headers[j].first);
    }
    if (replaced_later) continue;
    if (EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
    out->append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_content_type && content_length > 0) {
    out->append("Content-Type: application/json; charset=utf-8\r\n");
  }
  if (!keep) out->append("Connection: close\r\n");
  out->append("Content-Length: ").append(std::to_string(content_length)).append("\r\n\r\n");
}

// Runs an I/O thread's io_context until it is stopped. Without busy polling: run(), which sleeps
// in epoll_wait whenever nothing is ready. With it: after any handler ran, the thread keeps
// polling (poll(): a non-blocking epoll_wait plus whatever became ready) for up to `spin` of
// quiet before it blocks again, and yields its core between polls so that a runnable thread on
// the same core (the client, a worker) is not held up. Sleeping and being woken for every request
// (a context switch, and on an idle machine a halted core's wake-up) was most of a ping-pong
// GET's latency (docs/design/http.md).
void RunIoContext(asio::io_context& context, std::chrono::microseconds spin) {
  // A sched_yield that returns later than this ran another thread.
  constexpr std::chrono::microseconds kYieldedAway{5};
  // After a yield gave the core away, the next this many handlers are not followed by polling: on
  // a busy machine each such yield is a context switch that buys nothing.
  constexpr unsigned kBackoffPeriods = 64;
  if (spin.count() <= 0) {
    context.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  unsigned skip = 0;
  while (!context.stopped()) {
    if (context.run_one() == 0) break;  // blocks until a handler ran (or the context stopped)
    if (skip > 0) {
      --skip;
      continue;
    }
    auto quiet_until = Clock::now() + spin;
    while (!context.stopped()) {
      if (context.poll() > 0) {
        quiet_until = Clock::now() + spin;
        continue;
      }
      const auto before = Clock::now();
      if (before >= quiet_until) break;
      sched_yield();
      // The yield gave the core away: other threads want it, and spinning would take their
      // time. Sleep instead (the kernel wakes this thread when a socket is ready), and do not
      // poll for a while.
      if (Clock::now() - before > kYieldedAway) {
        skip = kBackoffPeriods;
        break;
      }
    }
  }
}

// Per-connection read buffer: Beast's largest read (64 KiB) in one receive.
constexpr size_t kReadBufferBytes = 64 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerImpl* server);
  ~Session();
  void Start() { DoRead(); }
  // Closes the connection if it is idle (waiting for a request); a busy one closes after its
  // response. Runs on the session's strand.
  void CloseIfIdle();
  // Closes the connection if its read or write has been pending past the idle timeout.
  void CloseIfExpired(std::chrono::steady_clock::time_point now);

 private:
  void DoRead();
  void OnRead(beast::error_code ec);
  void Respond(HttpResponse response, bool keep_alive, bool head);
  void Close();
  // The read or write now pending must finish by `now + idle_timeout`; none pending while the
  // handler runs.
  void ArmDeadline();
  void DisarmDeadline() { deadline_ns_.store(INT64_MAX, std::memory_order_relaxed); }

  // Never given an expiry: a per-operation timer costs a timer-queue update and a timerfd call
  // for every chunk of a body, so the server's sweep enforces the idle timeout instead.
  beast::tcp_stream stream_;
  std::atomic<int64_t> deadline_ns_{INT64_MAX};  // steady_clock, nanoseconds since its epoch
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_head_;  // the response being written: status line and headers
  std::string out_body_;  // and body (both kept until the write completes)
  std::string remote_;    // peer address, read once per connection
  ServerImpl* server_;
  bool busy_ = false;
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const HttpServerOptions& options, HttpHandler handler)
      : options_(options),
        handler_(std::move(handler)),
        contexts_(MakeContexts(options.io_threads)),
        acceptor_(asio::make_strand(*contexts_[0])),
        sweep_timer_(acceptor_.get_executor()),
        workers_(options.worker_threads == 0 ? 1 : options.worker_threads) {}

  ~ServerImpl() override { Stop(std::chrono::milliseconds(5000)); }

  Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.bind_address, ec);
    if (ec) return Status::InvalidArgument("invalid bind address '" + options_.bind_address + "'");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::string msg = "cannot listen on " + options_.bind_address + ":" +
                        std::to_string(options_.port) + ": " + ec.message();
      if (ec == asio::error::address_in_use) return Status::Busy(msg);
      return Status::IOError(msg);
    }
    port_ = acceptor_.local_endpoint().port();
    // Keeps the I/O threads running until Stop() is done with them: during a graceful stop the
    // acceptor is closed while a request may still be inside a worker-pool handler, with no I/O
    // pending; without the guard the threads would leave run() and never write its response.
    for (auto& context : contexts_) work_.push_back(asio::make_work_guard(*context));
    DoAccept();
    ScheduleSweep();
    for (auto& context : contexts_) {
      io_threads_.emplace_back(
          [c = context.get(), spin = options_.busy_poll] { RunIoContext(*c, spin); });
    }
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Stop(std::chrono::milliseconds grace) override {
    if (stopped_.exchange(true)) return;
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      sweep_timer_.cancel();
    });
    const auto deadline = std::chrono::steady_clock::now() + grace;
    // Close idle connections now; busy ones close after answering. Repeat until all are gone,
    // because a connection may turn idle between two passes.
    while (live_sessions_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      ForEachSession([](const std::shared_ptr<Session>& s) { s->CloseIfIdle(); });
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (live_sessions_.load() > 0) {
      log::Warn("HTTP stop: {} connection(s) still open after the grace period; closing them",
                live_sessions_.load());
    }
    workers_.join();
    work_.clear();
    for (auto& context : contexts_) context->stop();
    for (auto& t : io_threads_) t.join();
    io_threads_.clear();
  }

  // Called by sessions.
  const HttpServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  void Handle(const HttpRequest& req, HttpResponse& res) {
    try {
      handler_(req, res);
    } catch (const std::exception& e) {
      // Handlers report errors as responses; an escaping exception is a bug, but it must not
      // take the server down.
      log::Error("handler for {} {} threw: {}", req.method, req.target, e.what());
      res = HttpResponse{};
      res.status = 500;
      res.body = ErrorBody(req.target, kInternalError, std::string("internal error: ") + e.what());
    }
  }
  asio::thread_pool& workers() { return workers_; }
  void Register(const std::shared_ptr<Session>& s) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.insert(s);
    ++live_sessions_;
  }
  void Unregister(Session* s) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      auto locked = it->lock();
      if (!locked || locked.get() == s) {
        sessions_.erase(it);
        break;
      }
    }
    --live_sessions_;
  }

 private:
  // One io_context per I/O thread, each run by that thread alone (concurrency hint 1): asio then
  // neither locks its queue nor wakes another thread for every completion, which with one shared
  // multi-threaded io_context cost more CPU than the requests themselves.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(unsigned io_threads) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (unsigned i = 0; i < std::max(1u, io_threads); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    return contexts;
  }

  // Every quarter of the idle timeout (at most every second), closes the connections whose read
  // or write has been pending longer than the timeout.
  void ScheduleSweep() {
    const auto period = std::clamp<std::chrono::steady_clock::duration>(
        options_.idle_timeout / 4, std::chrono::milliseconds(50), std::chrono::seconds(1));
    sweep_timer_.expires_after(period);
    sweep_timer_.async_wait([this](beast::error_code ec) {
      if (ec || stopping_) return;
      const auto now = std::chrono::steady_clock::now();
      ForEachSession([now](const std::shared_ptr<Session>& s) { s->CloseIfExpired(now); });
      ScheduleSweep();
    });
  }

  void DoAccept() {
    // Connections are spread over the I/O threads in turn.
    asio::io_context& context = *contexts_[next_context_++ % contexts_.size()];
    acceptor_.async_accept(asio::make_strand(context),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec) {
                               if (!stopping_) log::Warn("accept failed: {}", ec.message());
                               if (ec == asio::error::operation_aborted || stopping_) return;
                             } else if (!stopping_) {
                               socket.set_option(tcp::no_delay(true), ec);
                               auto session = std::make_shared<Session>(std::move(socket), this);
                               Register(session);
                               session->Start();
                             }
                             if (!stopping_) DoAccept();
                           });
  }

  void ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(sessions_mu_);
      for (const auto& w : sessions_) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (const auto& s : live) fn(s);
  }

  // Session bookkeeping is declared before the io_contexts so that it outlives them: destroying an
  // io_context destroys pending handlers, whose sessions unregister themselves.
  std::atomic<int> live_sessions_{0};
  std::mutex sessions_mu_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  HttpServerOptions options_;
  HttpHandler handler_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  asio::thread_pool workers_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  size_t next_context_ = 0;  // used on the acceptor's strand only
  std::vector<std::thread> io_threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  uint16_t port_ = 0;
};

Session::Session(tcp::socket socket, ServerImpl* server)
    : stream_(std::move(socket)), server_(server) {
  // Beast reads at most the buffer's free capacity (and at least 512 bytes) per receive, and the
  // parser drains the buffer into the body as it goes: an unreserved buffer stays at 512 bytes,
  // and a 1 MB bulk_docs body took about 2,000 receives (and as many reactor round trips).
  buffer_.reserve(kReadBufferBytes);
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string();
}

Session::~Session() {
  server_->Unregister(this);
}

void Session::CloseIfIdle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->busy_) self->Close();
  });
}

void Session::ArmDeadline() {
  const auto deadline = std::chrono::steady_clock::now() + server_->options().idle_timeout;
  deadline_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count(),
      std::memory_order_relaxed);
}

void Session::CloseIfExpired(std::chrono::steady_clock::time_point now) {
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  if (deadline_ns_.load(std::memory_order_relaxed) > now_ns) return;
  asio::post(stream_.get_executor(), [self = shared_from_this(), now_ns] {
    // Checked again on the strand: the connection may have moved on meanwhile.
    if (self->deadline_ns_.load(std::memory_order_relaxed) <= now_ns) self->Close();
  });
}

void Session::DoRead() {
  if (server_->stopping()) return Close();
  parser_.emplace();
  parser_->body_limit(server_->options().max_body_bytes);
  parser_->header_limit(server_->options().max_header_bytes);
  ArmDeadline();
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
}

void Session::OnRead(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
      ec == beast::error::timeout || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    return Close();
  }
  if (ec == http::error::body_limit) {
    HttpResponse res;
    res.status = 413;
    res.body = ErrorBody(std::string(parser_->get().target()), kBadRequest,
                         "Request body exceeds the limit of " +
                             std::to_string(server_->options().max_body_bytes) +
                             " bytes (setting Http.MaxRequestBodySizeInMb)");
    return Respond(std::move(res), /*keep_alive=*/false, /*head=*/false);
  }
  if (ec) {
    HttpResponse res;
    res.status = ec == http::error::header_limit ? 431 : 400;
    res.body = ErrorBody("", kBadRequest, "Malformed HTTP request: " + ec.message());
    return Respond(std::move(res), /*keep_alive=*/false, /*head=*/false);
  }

  auto message = parser_->release();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  ParseTarget(request.target, &request.path, &request.query);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote = remote_;
  const bool keep_alive = message.keep_alive();
  const bool head = message.method() == http::verb::head;

  busy_ = true;
  DisarmDeadline();
  if (server_->options().handle_inline && server_->options().handle_inline(request)) {
    // A request that never waits: answered here, on this I/O thread (http_server.h).
    HttpResponse res;
    server_->Handle(request, res);
    return Respond(std::move(res), keep_alive, head);
  }
  asio::post(server_->workers(),
             [self = shared_from_this(),
              request = std::make_shared<HttpRequest>(std::move(request)), keep_alive, head] {
               HttpResponse res;
               self->server_->Handle(*request, res);
               asio::post(self->stream_.get_executor(),
                          [self, res = std::move(res), keep_alive, head]() mutable {
                            self->Respond(std::move(res), keep_alive, head);
                          });
             });
}

void Session::Respond(HttpResponse res, bool keep_alive, bool head) {
  busy_ = true;
  const bool keep = keep_alive && !server_->stopping();
  // HEAD: announce the length the GET would have, send no body.
  const size_t length = res.body.size();
  out_head_.clear();
  AppendResponseHead(res, keep, length, &out_head_);
  out_body_ = head ? std::string() : std::move(res.body);
  ArmDeadline();
  // One gather write of head and body (a single sendmsg for any response that fits the socket
  // buffer).
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(out_head_),
                                                     asio::buffer(out_body_)};
  asio::async_write(stream_, buffers,
                    [self = shared_from_this(), keep](beast::error_code ec, size_t) {
                      self->busy_ = false;
                      if (ec || !keep) return self->Close();
                      self->DoRead();
                    });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  ROOKERY_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace rookery::server

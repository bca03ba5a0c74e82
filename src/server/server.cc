#include "server/server.h"

#include <algorithm>
#include <string_view>
#include <thread>

#include "base/logging.h"
#include "json/writer.h"
#include "server/build_info.h"
#include "server/database_registry.h"
#include "server/handlers.h"
#include "server/http_server.h"
#include "server/router.h"

namespace rookery::server {
namespace {

void HandleBuildVersion(const HttpRequest&, HttpResponse& res) {
  json::JsonWriter w;
  w.BeginObject()
      .Field("BuildVersion", kRavenBuildVersion)
      .Field("ProductVersion", kRavenProductVersion)
      .Field("CommitHash", kCommitHash)
      .Field("FullVersion", kRavenFullVersion)
      .EndObject();
  res.body = w.Take();
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(const Settings& settings) : settings_(settings) {}
  ~ServerImpl() override { Stop(); }

  Status Init() {
    env_ = settings_.in_memory ? platform::NewMemEnv() : platform::NewPosixEnv();
    ROOKERY_RETURN_IF_ERROR(env_->CreateDirs(settings_.data_dir));
    auto lock = env_->LockFile(platform::JoinPath(settings_.data_dir, "LOCK"));
    if (!lock.ok()) {
      return lock.status().WithContext("data directory " + settings_.data_dir +
                                       " is in use by another server");
    }
    lock_ = std::move(lock).value();

    registry_ = std::make_unique<DatabaseRegistry>(*env_, settings_.data_dir);
    ROOKERY_RETURN_IF_ERROR(registry_->Init());
    context_.registry = registry_.get();
    context_.env = env_.get();
    context_.topology_id = NewGuid();
    // Requests carry Host (HTTP/1.1 requires it); this is only for those that do not.
    context_.fallback_url = settings_.Url();
    router_.Add("GET", "/build/version", HandleBuildVersion);
    AddAllRoutes(router_, context_);

    HttpServerOptions http;
    http.bind_address = settings_.bind;
    http.port = settings_.port;
    http.max_body_bytes = settings_.max_body_bytes;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    http.worker_threads =
        settings_.worker_threads != 0 ? settings_.worker_threads : std::max(4u, 2 * cores);
    http.io_threads = std::min(2u, cores);
    http.busy_poll = std::chrono::microseconds(settings_.busy_poll_micros);
    // Loading documents by id (and HEAD) only reads committed pages: it never waits for a commit
    // or for indexing, so it is answered on the I/O thread without a hand-off. So are quick
    // queries (no staleness wait, an existing index, a few entries: QueryAnswersInline).
    http.handle_inline = [this](const HttpRequest& req) {
      constexpr std::string_view kPrefix = "/databases/", kSuffix = "/docs";
      const std::string_view path = req.path;
      if ((req.method == "GET" || req.method == "HEAD") && path.starts_with(kPrefix) &&
          path.ends_with(kSuffix) && path.size() > kPrefix.size() + kSuffix.size()) {
        return true;
      }
      return QueryAnswersInline(context_, req);
    };
    auto started = HttpServer::Start(
        http, [this](const HttpRequest& req, HttpResponse& res) { router_.Dispatch(req, res); });
    if (!started.ok()) return started.status();
    http_ = std::move(started).value();
    settings_.port = http_->port();
    log::Info("listening on {} (data: {}{})", settings_.Url(), settings_.data_dir,
              settings_.in_memory ? ", in memory" : "");
    return Status::Ok();
  }

  std::string url() const override { return settings_.Url(); }

  void Stop() override {
    if (http_) {
      http_->Stop(std::chrono::seconds(30));
      http_.reset();
      log::Info("server stopped");
    }
    if (registry_) {
      registry_->CloseAll();
      registry_.reset();
    }
    lock_.reset();
  }

 private:
  Settings settings_;
  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<platform::FileLock> lock_;
  std::unique_ptr<DatabaseRegistry> registry_;
  ServerContext context_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const Settings& settings) {
  auto server = std::make_unique<ServerImpl>(settings);
  ROOKERY_RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace rookery::server

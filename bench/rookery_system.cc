// Rookery as a DocSystem: `rookery serve` on a free loopback port, driven over HTTP.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "bench/doc_systems.h"
#include "bench/http_client.h"
#include "bench/process.h"

namespace rookery::bench {
namespace {

constexpr char kDatabase[] = "bench";

class RookeryClient final : public DocClient {
 public:
  explicit RookeryClient(HttpConnection conn) : conn_(std::move(conn)) {}

  Status InsertBatch(const std::vector<std::string>& ids,
                     const std::vector<std::string>& docs) override {
    body_.clear();
    body_.append("{\"Commands\":[");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) body_.push_back(',');
      // Ids are plain ASCII here ("orders/42"), so they need no JSON escaping.
      body_.append("{\"Id\":\"").append(ids[i]).append("\",\"Type\":\"PUT\",\"Document\":");
      body_.append(docs[i]).append(",\"ChangeVector\":null}");
    }
    body_.append("]}");
    ROOKERY_RETURN_IF_ERROR(conn_.Request(
        "POST", std::string("/databases/") + kDatabase + "/bulk_docs", body_, &reply_));
    if (reply_.status != 201) {
      return Status::IOError("bulk_docs answered " + std::to_string(reply_.status) + ": " +
                             reply_.body.substr(0, 500));
    }
    return Status::Ok();
  }

  Status Get(const std::string& id, size_t* bytes) override {
    target_.assign("/databases/").append(kDatabase).append("/docs?id=").append(UrlEncode(id));
    ROOKERY_RETURN_IF_ERROR(conn_.Request("GET", target_, {}, &reply_));
    if (reply_.status == 404) return Status::NotFound("document " + id);
    if (reply_.status != 200) {
      return Status::IOError("GET " + target_ + " answered " + std::to_string(reply_.status) +
                             ": " + reply_.body.substr(0, 500));
    }
    *bytes = reply_.body.size();
    return Status::Ok();
  }

 private:
  HttpConnection conn_;
  HttpReply reply_;
  std::string body_, target_;
};

class RookerySystem final : public DocSystem {
 public:
  ~RookerySystem() override {
    process_.Kill();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  Status Start(const SystemOptions& o) {
    ROOKERY_ASSIGN_OR_RETURN(dir_, MakeTempDir(o.parent_dir, "rookery-"));
    log_ = dir_ + "/server.log";
    SpawnOptions spawn;
    spawn.argv = {o.rookery_binary,          "serve",       "--ServerUrl=http://127.0.0.1:0",
                  "--DataDir=" + data_dir(), "--log-level", "warn"};
    spawn.log_file = log_;
    spawn.pipe_stdin = true;
    spawn.pipe_stdout = true;
    ROOKERY_ASSIGN_OR_RETURN(process_, ChildProcess::Spawn(spawn));
    constexpr std::string_view kReady = "Server available on: ";
    while (true) {
      auto line = process_.ReadStdoutLine(std::chrono::seconds(60));
      if (!line.ok()) {
        return line.status().WithContext("rookery serve did not report its URL; log:\n" +
                                         FileTail(log_, 2000));
      }
      if (line->rfind(kReady, 0) != 0) continue;
      const std::string url = line->substr(kReady.size());
      const size_t colon = url.rfind(':');
      port_ = static_cast<uint16_t>(std::atoi(url.c_str() + colon + 1));
      break;
    }
    if (port_ == 0) return Status::IOError("rookery serve printed no usable URL");
    // The database, as CreateDatabaseOperation does it (protocol.md §6.1).
    ROOKERY_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::Connect("127.0.0.1", port_));
    HttpReply reply;
    ROOKERY_RETURN_IF_ERROR(conn.Request("PUT", std::string("/admin/databases?name=") + kDatabase,
                                         std::string("{\"DatabaseName\":\"") + kDatabase + "\"}",
                                         &reply));
    if (reply.status != 201) {
      return Status::IOError("creating the database answered " + std::to_string(reply.status) +
                             ": " + reply.body);
    }
    return Status::Ok();
  }

  std::string name() const override { return "Rookery"; }
  std::string description() const override {
    return "`rookery serve` (Release build of this tree), HTTP/1.1 keep-alive over loopback: "
           "`POST /databases/bench/bulk_docs`, `GET /databases/bench/docs?id=`; log level warn";
  }
  Result<std::unique_ptr<DocClient>> Connect() override {
    ROOKERY_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::Connect("127.0.0.1", port_));
    return std::unique_ptr<DocClient>(new RookeryClient(std::move(conn)));
  }
  pid_t pid() const override { return process_.pid(); }
  std::string data_dir() const override { return dir_ + "/data"; }
  std::string connection_info() const override {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  Status Stop() override {
    if (!process_.running()) return Status::Ok();
    Status s = process_.WriteStdin("shutdown\n");
    if (!s.ok()) process_.Signal(SIGTERM);
    std::optional<int> status = process_.Wait(std::chrono::seconds(60));
    if (!status) {
      process_.Kill();
      return Status::Timeout("rookery serve did not stop within 60 s after `shutdown`; killed");
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      return Status::IOError("rookery serve exited with wait status " + std::to_string(*status) +
                             "; log:\n" + FileTail(log_, 2000));
    }
    return Status::Ok();
  }

 private:
  std::string dir_, log_;
  ChildProcess process_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<DocSystem>> StartRookery(const SystemOptions& options) {
  if (options.rookery_binary.empty() || ::access(options.rookery_binary.c_str(), X_OK) != 0) {
    return Status::NotFound("no rookery binary at '" + options.rookery_binary +
                            "' (build the `rookery` target, or pass --rookery PATH)");
  }
  auto system = std::make_unique<RookerySystem>();
  ROOKERY_RETURN_IF_ERROR(system->Start(options));
  return std::unique_ptr<DocSystem>(std::move(system));
}

}  // namespace rookery::bench

// PostgreSQL 15 as a DocSystem: initdb + postgres in a temporary directory, libpq over loopback.
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <thread>

#include "bench/doc_systems.h"
#include "bench/process.h"

namespace rookery::bench {
namespace {

constexpr char kUser[] = "bench";

// PGresult owner.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Status Check(PGconn* conn, const PgResult& r, ExecStatusType expected, const std::string& what) {
  if (r && PQresultStatus(r.get()) == expected) return Status::Ok();
  return Status::IOError("PostgreSQL " + what + ": " + PQerrorMessage(conn));
}

class PostgresClient final : public DocClient {
 public:
  explicit PostgresClient(PGconn* conn) : conn_(conn) {}
  ~PostgresClient() override { PQfinish(conn_); }

  Status Prepare() {
    PgResult r(PQprepare(conn_, "get", "SELECT data FROM docs WHERE id = $1", 1, nullptr));
    return Check(conn_, r, PGRES_COMMAND_OK, "prepare SELECT");
  }

  // One multi-row INSERT per batch: a single statement, so a single (durable) transaction.
  Status InsertBatch(const std::vector<std::string>& ids,
                     const std::vector<std::string>& docs) override {
    const size_t n = ids.size();
    std::string& name = insert_statements_[n];
    if (name.empty()) {
      name = "insert" + std::to_string(n);
      std::string sql = "INSERT INTO docs (id, data) VALUES ";
      for (size_t i = 0; i < n; ++i) {
        sql += (i ? ",($" : "($") + std::to_string(2 * i + 1) + ",$" + std::to_string(2 * i + 2) +
               "::jsonb)";
      }
      PgResult r(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(2 * n), nullptr));
      ROOKERY_RETURN_IF_ERROR(Check(conn_, r, PGRES_COMMAND_OK, "prepare INSERT"));
    }
    params_.resize(2 * n);
    for (size_t i = 0; i < n; ++i) {
      params_[2 * i] = ids[i].c_str();
      params_[2 * i + 1] = docs[i].c_str();
    }
    PgResult r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(2 * n), params_.data(), nullptr,
                              nullptr, 0));
    return Check(conn_, r, PGRES_COMMAND_OK, "INSERT");
  }

  Status Get(const std::string& id, size_t* bytes) override {
    const char* param = id.c_str();
    PgResult r(PQexecPrepared(conn_, "get", 1, &param, nullptr, nullptr, 0));
    ROOKERY_RETURN_IF_ERROR(Check(conn_, r, PGRES_TUPLES_OK, "SELECT"));
    if (PQntuples(r.get()) != 1) return Status::NotFound("document " + id);
    *bytes = static_cast<size_t>(PQgetlength(r.get(), 0, 0));
    return Status::Ok();
  }

 private:
  PGconn* conn_;
  std::map<size_t, std::string> insert_statements_;
  std::vector<const char*> params_;
};

class PostgresSystem final : public DocSystem {
 public:
  ~PostgresSystem() override {
    process_.Kill();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  Status Start(const SystemOptions& o) {
    const std::string initdb = o.postgres_bin_dir + "/initdb";
    const std::string postgres = o.postgres_bin_dir + "/postgres";
    ROOKERY_RETURN_IF_ERROR(CheckPostgresInstalled(o));
    ROOKERY_ASSIGN_OR_RETURN(dir_, MakeTempDir(o.parent_dir, "postgres-"));
    SpawnOptions spawn;
    if (::geteuid() == 0) {
      // PostgreSQL refuses to run as root: run it as the package's `postgres` user.
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) return Status::NotFound("no `postgres` user to run PostgreSQL as");
      spawn.uid = pw->pw_uid;
      spawn.gid = pw->pw_gid;
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return Status::FromErrno(errno, "chown " + dir_ + " to postgres");
      }
    }
    spawn.argv = {initdb,         "-D", data_dir(), "-U",        kUser,
                  "--auth=trust", "-E", "UTF8",     "--locale=C"};
    spawn.log_file = dir_ + "/initdb.log";
    Status s = RunToCompletion(spawn, std::chrono::minutes(5));
    if (!s.ok()) {
      return s.WithContext(std::string("PostgreSQL initdb in ") + dir_ +
                           (spawn.uid ? " (as user postgres: every parent directory must be "
                                        "searchable by it)"
                                      : ""));
    }

    ROOKERY_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    spawn.argv = {postgres,
                  "-D",
                  data_dir(),
                  "-c",
                  "listen_addresses=127.0.0.1",
                  "-c",
                  "port=" + std::to_string(port_),
                  "-c",
                  "unix_socket_directories=" + dir_,
                  "-c",
                  "synchronous_commit=on",
                  "-c",
                  "fsync=on",
                  "-c",
                  "full_page_writes=on",
                  "-c",
                  "shared_buffers=1GB",
                  "-c",
                  "max_wal_size=4GB",
                  "-c",
                  "max_connections=64"};
    spawn.log_file = log_ = dir_ + "/postgres.log";
    ROOKERY_ASSIGN_OR_RETURN(process_, ChildProcess::Spawn(spawn));
    conninfo_ = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=" + kUser;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (PQping(conninfo_.c_str()) != PQPING_OK) {
      if (process_.Wait(std::chrono::milliseconds(0))) {
        return Status::IOError("PostgreSQL exited during startup; log " + log_ + ":\n" +
                               FileTail(log_, 2000));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::Timeout("PostgreSQL did not accept connections within 60 s; log:\n" +
                               FileTail(log_, 2000));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PostgresClient setup(conn);  // owns conn
    if (PQstatus(conn) != CONNECTION_OK) {
      return Status::IOError(std::string("PostgreSQL connect: ") + PQerrorMessage(conn));
    }
    PgResult r(PQexec(conn, "CREATE TABLE docs (id text PRIMARY KEY, data jsonb NOT NULL)"));
    return Check(conn, r, PGRES_COMMAND_OK, "CREATE TABLE");
  }

  std::string name() const override { return "PostgreSQL 15"; }
  std::string description() const override {
    std::string version = "15";
    if (PGconn* c = PQconnectdb(conninfo_.c_str()); c != nullptr) {
      if (PQstatus(c) == CONNECTION_OK) {
        const int v = PQserverVersion(c);
        version = std::to_string(v / 10000) + "." + std::to_string(v % 10000);
      }
      PQfinish(c);
    }
    return "PostgreSQL " + version +
           " (Debian package), own initdb (C locale, UTF8) in a temporary directory, TCP on "
           "127.0.0.1; synchronous_commit=on, fsync=on, full_page_writes=on, "
           "shared_buffers=1GB, max_wal_size=4GB; libpq: table (id text PRIMARY KEY, data jsonb), "
           "one prepared multi-row INSERT per batch (one transaction), prepared "
           "`SELECT data FROM docs WHERE id = $1` per GET (text results)";
  }

  Result<std::unique_ptr<DocClient>> Connect() override {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    auto client = std::make_unique<PostgresClient>(conn);  // owns conn, even on failure
    if (PQstatus(conn) != CONNECTION_OK) {
      return Status::IOError(std::string("PostgreSQL connect: ") + PQerrorMessage(conn));
    }
    ROOKERY_RETURN_IF_ERROR(client->Prepare());
    return std::unique_ptr<DocClient>(std::move(client));
  }
  pid_t pid() const override { return process_.pid(); }
  std::string data_dir() const override { return dir_ + "/data"; }
  std::string connection_info() const override { return conninfo_; }

  Status Stop() override {
    if (!process_.running()) return Status::Ok();
    process_.Signal(SIGINT);  // "fast" shutdown: disconnect clients, checkpoint, exit
    std::optional<int> status = process_.Wait(std::chrono::seconds(120));
    if (!status) {
      process_.Kill();
      return Status::Timeout("PostgreSQL did not stop within 120 s of SIGINT; killed");
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      return Status::IOError("PostgreSQL exited with wait status " + std::to_string(*status) +
                             "; log:\n" + FileTail(log_, 2000));
    }
    return Status::Ok();
  }

 private:
  std::string dir_, log_, conninfo_;
  ChildProcess process_;
  uint16_t port_ = 0;
};

}  // namespace

Status CheckPostgresInstalled(const SystemOptions& o) {
  const std::string initdb = o.postgres_bin_dir + "/initdb";
  const std::string postgres = o.postgres_bin_dir + "/postgres";
  if (::access(initdb.c_str(), X_OK) != 0 || ::access(postgres.c_str(), X_OK) != 0) {
    return Status::NotFound("PostgreSQL 15 not found in " + o.postgres_bin_dir +
                            " (run `scripts/install-deps bench`: Debian package postgresql-15; "
                            "or pass --pg-bin DIR)");
  }
  if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr) {
    return Status::NotFound(
        "running as root, but there is no `postgres` user to run PostgreSQL as (PostgreSQL "
        "refuses root); install the postgresql-15 package or run the benchmark as a non-root "
        "user");
  }
  return Status::Ok();
}

Result<std::unique_ptr<DocSystem>> StartPostgres(const SystemOptions& options) {
  auto system = std::make_unique<PostgresSystem>();
  ROOKERY_RETURN_IF_ERROR(system->Start(options));
  return std::unique_ptr<DocSystem>(std::move(system));
}

}  // namespace rookery::bench

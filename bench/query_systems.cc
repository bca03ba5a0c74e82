// The query benchmark's two QueryDrivers: Rookery over HTTP (POST /databases/bench/queries,
// protocol.md §8.1) and PostgreSQL over libpq (expression B-tree indexes, prepared statements).
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <functional>

#include "bench/bench_util.h"
#include "bench/http_client.h"
#include "bench/process.h"
#include "bench/query_workload.h"

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Runs one index-building step and records its wall time, rate and the server's CPU time.
Status TimeBuild(const std::string& what, uint64_t docs, pid_t server,
                 const std::function<Status()>& step, std::vector<IndexBuild>* out) {
  const double cpu0 = ProcessTreeCpuSeconds(server);
  const auto t0 = Clock::now();
  ROOKERY_RETURN_IF_ERROR(step().WithContext(what));
  IndexBuild b;
  b.what = what;
  b.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  b.docs_per_second = static_cast<double>(docs) / b.seconds;
  b.server_cpu_seconds = ProcessTreeCpuSeconds(server) - cpu0;
  b.loadavg = LoadAverage();
  out->push_back(b);
  return Status::Ok();
}

// ---- Rookery ----

constexpr char kQueriesTarget[] = "/databases/bench/queries";
constexpr char kEqualQuery[] = "from Docs where Category = $p0";
constexpr char kRangeQuery[] =
    "from Docs where Score between $p0 and $p1 order by Score as long limit $p2, $p3";

Status ParseResults(const std::string& body, std::vector<json::Value>* docs, uint64_t* total) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value reply, json::Parse(body));
  const json::Value* results = reply.Find("Results");
  const json::Value* count = reply.Find("TotalResults");
  const json::Value* stale = reply.Find("IsStale");
  if (results == nullptr || !results->is_array() || count == nullptr || !count->is_number()) {
    return Status::IOError("query reply without Results or TotalResults: " + body.substr(0, 300));
  }
  if (stale == nullptr || !stale->is_bool() || stale->as_bool()) {
    return Status::IOError("query reply is stale after the index build");
  }
  if (docs != nullptr) *docs = results->items();
  if (total != nullptr) *total = count->as_uint();
  return Status::Ok();
}

class RookeryQueryClient final : public QueryClient {
 public:
  explicit RookeryQueryClient(HttpConnection conn) : conn_(std::move(conn)) {}

  // The query with its parameters (`params` is the inside of the QueryParameters object).
  Status Post(const char* query, const std::string& params, bool wait) {
    body_.assign("{\"Query\":\"").append(query).append("\",\"QueryParameters\":{");
    body_.append(params).append("}");
    if (wait) {
      body_.append(",\"WaitForNonStaleResults\":true,\"WaitForNonStaleResultsTimeout\":3600000");
    }
    body_.append("}");
    ROOKERY_RETURN_IF_ERROR(conn_.Request("POST", kQueriesTarget, body_, &reply_));
    if (reply_.status != 200) {
      return Status::IOError("query answered " + std::to_string(reply_.status) + ": " +
                             reply_.body.substr(0, 500));
    }
    return Status::Ok();
  }

  Status Equal(const std::string& group, std::vector<json::Value>* docs, size_t* bytes) override {
    return EqualImpl(group, docs, bytes, false);
  }
  Status EqualImpl(const std::string& group, std::vector<json::Value>* docs, size_t* bytes,
                   bool wait) {
    ROOKERY_RETURN_IF_ERROR(Post(kEqualQuery, "\"p0\":\"" + group + "\"", wait));
    *bytes = reply_.body.size();
    return docs ? ParseResults(reply_.body, docs, nullptr) : Status::Ok();
  }

  Status Range(uint64_t lo, uint64_t hi, size_t page, std::vector<json::Value>* docs,
               uint64_t* total, size_t* bytes) override {
    return RangeImpl(lo, hi, page, docs, total, bytes, false);
  }
  Status RangeImpl(uint64_t lo, uint64_t hi, size_t page, std::vector<json::Value>* docs,
                   uint64_t* total, size_t* bytes, bool wait) {
    ROOKERY_RETURN_IF_ERROR(Post(kRangeQuery,
                                 "\"p0\":" + std::to_string(lo) + ",\"p1\":" + std::to_string(hi) +
                                     ",\"p2\":0,\"p3\":" + std::to_string(page),
                                 wait));
    *bytes = reply_.body.size();
    *total = UINT64_MAX;
    return docs ? ParseResults(reply_.body, docs, total) : Status::Ok();
  }

 private:
  HttpConnection conn_;
  HttpReply reply_;
  std::string body_;
};

class RookeryDriver final : public QueryDriver {
 public:
  RookeryDriver(uint16_t port, pid_t pid) : pid_(pid), port_(port) {}

  Result<std::unique_ptr<QueryClient>> Connect() override {
    ROOKERY_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::Connect("127.0.0.1", port_));
    return std::unique_ptr<QueryClient>(new RookeryQueryClient(std::move(conn)));
  }

  // The automatic indexes are built by the first queries that need them.
  Status BuildIndexes(const QueryOptions& o, std::vector<IndexBuild>* out) override {
    ROOKERY_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::Connect("127.0.0.1", port_));
    RookeryQueryClient client(std::move(conn));
    std::vector<json::Value> docs;
    size_t bytes = 0;
    uint64_t total = 0;
    ROOKERY_RETURN_IF_ERROR(TimeBuild(
        "Auto/Docs/ByCategory: first `where Category = $p0` query, WaitForNonStaleResults", o.docs,
        pid_, [&] { return client.EqualImpl("c0", &docs, &bytes, true); }, out));
    return TimeBuild(
        "Auto/Docs/ByCategoryAndScore (widened: Category and Score): first range query, "
        "WaitForNonStaleResults",
        o.docs, pid_,
        [&] { return client.RangeImpl(0, 10, o.page_size, &docs, &total, &bytes, true); }, out);
  }

 private:
  pid_t pid_;
  uint16_t port_;
};

// ---- PostgreSQL ----

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;
struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnDeleter>;

Status PgCheck(PGconn* conn, const PgResult& r, ExecStatusType expected, const std::string& what) {
  if (r && PQresultStatus(r.get()) == expected) return Status::Ok();
  return Status::IOError("PostgreSQL " + what + ": " + PQerrorMessage(conn));
}

Result<PgConn> PgConnect(const std::string& conninfo) {
  PgConn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::IOError(std::string("PostgreSQL connect: ") + PQerrorMessage(conn.get()));
  }
  return conn;
}

Status PgExec(PGconn* conn, const char* sql) {
  PgResult r(PQexec(conn, sql));
  return PgCheck(conn, r, PGRES_COMMAND_OK, sql);
}

class PostgresQueryClient final : public QueryClient {
 public:
  explicit PostgresQueryClient(PgConn conn) : conn_(std::move(conn)) {}

  Status Prepare() {
    PgResult r(PQprepare(conn_.get(), "eq", "SELECT data FROM docs WHERE data->>'Category' = $1", 1,
                         nullptr));
    ROOKERY_RETURN_IF_ERROR(PgCheck(conn_.get(), r, PGRES_COMMAND_OK, "prepare eq"));
    r.reset(PQprepare(conn_.get(), "range",
                      "SELECT data FROM docs WHERE (data->'Score')::numeric BETWEEN $1 AND $2 "
                      "ORDER BY (data->'Score')::numeric LIMIT $3",
                      3, nullptr));
    return PgCheck(conn_.get(), r, PGRES_COMMAND_OK, "prepare range");
  }

  Status Equal(const std::string& group, std::vector<json::Value>* docs, size_t* bytes) override {
    const char* param = group.c_str();
    PgResult r(PQexecPrepared(conn_.get(), "eq", 1, &param, nullptr, nullptr, 0));
    return Rows(r, docs, bytes);
  }

  Status Range(uint64_t lo, uint64_t hi, size_t page, std::vector<json::Value>* docs,
               uint64_t* total, size_t* bytes) override {
    const std::string a = std::to_string(lo), b = std::to_string(hi), c = std::to_string(page);
    const char* params[3] = {a.c_str(), b.c_str(), c.c_str()};
    PgResult r(PQexecPrepared(conn_.get(), "range", 3, params, nullptr, nullptr, 0));
    *total = UINT64_MAX;  // the statement does not count the matches
    return Rows(r, docs, bytes);
  }

 private:
  Status Rows(const PgResult& r, std::vector<json::Value>* docs, size_t* bytes) {
    ROOKERY_RETURN_IF_ERROR(PgCheck(conn_.get(), r, PGRES_TUPLES_OK, "SELECT"));
    const int n = PQntuples(r.get());
    *bytes = 0;
    if (docs != nullptr) docs->clear();
    for (int i = 0; i < n; ++i) {
      *bytes += static_cast<size_t>(PQgetlength(r.get(), i, 0));
      if (docs != nullptr) {
        ROOKERY_ASSIGN_OR_RETURN(json::Value v, json::Parse(PQgetvalue(r.get(), i, 0)));
        docs->push_back(std::move(v));
      }
    }
    return Status::Ok();
  }
  PgConn conn_;
};

class PostgresDriver final : public QueryDriver {
 public:
  PostgresDriver(std::string conninfo, pid_t pid) : conninfo_(std::move(conninfo)), pid_(pid) {}

  Result<std::unique_ptr<QueryClient>> Connect() override {
    ROOKERY_ASSIGN_OR_RETURN(PgConn conn, PgConnect(conninfo_));
    auto client = std::make_unique<PostgresQueryClient>(std::move(conn));
    ROOKERY_RETURN_IF_ERROR(client->Prepare());
    return std::unique_ptr<QueryClient>(std::move(client));
  }

  Status BuildIndexes(const QueryOptions& o, std::vector<IndexBuild>* out) override {
    ROOKERY_ASSIGN_OR_RETURN(PgConn conn, PgConnect(conninfo_));
    const struct {
      const char* what;
      const char* sql;
    } steps[] = {
        {"CREATE INDEX docs_category ON docs ((data->>'Category'))",
         "CREATE INDEX docs_category ON docs ((data->>'Category'))"},
        {"CREATE INDEX docs_score ON docs (((data->'Score')::numeric))",
         "CREATE INDEX docs_score ON docs (((data->'Score')::numeric))"},
        {"ANALYZE docs (statistics for the planner)", "ANALYZE docs"},
    };
    for (const auto& step : steps) {
      ROOKERY_RETURN_IF_ERROR(TimeBuild(
          step.what, o.docs, pid_, [&] { return PgExec(conn.get(), step.sql); }, out));
    }
    return Status::Ok();
  }

 private:
  std::string conninfo_;
  pid_t pid_;
};

}  // namespace

Result<std::unique_ptr<QueryDriver>> MakeQueryDriver(const std::string& id, DocSystem& system) {
  const std::string info = system.connection_info();
  if (id == "rookery") {
    const size_t colon = info.rfind(':');
    const int port = colon == std::string::npos ? 0 : std::atoi(info.c_str() + colon + 1);
    if (port <= 0 || port > 65535) return Status::InvalidArgument("no port in '" + info + "'");
    return std::unique_ptr<QueryDriver>(
        new RookeryDriver(static_cast<uint16_t>(port), system.pid()));
  }
  if (id == "postgres") return std::unique_ptr<QueryDriver>(new PostgresDriver(info, system.pid()));
  return Status::InvalidArgument("unknown system '" + id + "'");
}

}  // namespace rookery::bench

// The PostgreSQL side of the JavaScript index benchmark: the orders as JSONB rows (COPY), a
// materialized view of the same GROUP BY, REFRESH timed; then one-row changes, each reflected by
// a REFRESH (PostgreSQL has no incremental view maintenance).
#include <libpq-fe.h>

#include <chrono>
#include <memory>

#include "bench/jsindex_workload.h"
#include "bench/process.h"

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;
struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnDeleter>;

Status Exec(PGconn* conn, const std::string& sql, ExecStatusType expected = PGRES_COMMAND_OK) {
  PgResult r(PQexec(conn, sql.c_str()));
  if (r && PQresultStatus(r.get()) == expected) return Status::Ok();
  return Status::IOError("PostgreSQL `" + sql.substr(0, 80) + "`: " + PQerrorMessage(conn));
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// COPY text format: backslash, tab and newline escaped (the JSON has none of the latter two).
void AppendCopyField(const std::string& text, std::string* out) {
  for (char c : text) {
    if (c == '\\') out->push_back('\\');
    out->push_back(c);
  }
}

Status Load(PGconn* conn, const JsIndexOptions& o, Orders& orders) {
  ROOKERY_RETURN_IF_ERROR(Exec(conn, "COPY docs (id, data) FROM STDIN", PGRES_COPY_IN));
  std::string chunk;
  for (uint64_t n = 0; n < o.docs; ++n) {
    AppendCopyField(Orders::Id(n), &chunk);
    chunk.push_back('\t');
    AppendCopyField(orders.Next(n), &chunk);
    chunk.push_back('\n');
    if (chunk.size() > (1 << 20) || n + 1 == o.docs) {
      if (PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size())) != 1) {
        return Status::IOError(std::string("PostgreSQL COPY: ") + PQerrorMessage(conn));
      }
      chunk.clear();
    }
  }
  if (PQputCopyEnd(conn, nullptr) != 1) {
    return Status::IOError(std::string("PostgreSQL COPY end: ") + PQerrorMessage(conn));
  }
  PgResult r(PQgetResult(conn));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return Status::IOError(std::string("PostgreSQL COPY: ") + PQerrorMessage(conn));
  }
  while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
  return Status::Ok();
}

Result<Groups> ReadView(PGconn* conn) {
  PgResult r(PQexec(conn, "SELECT company, n, total FROM company_totals"));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    return Status::IOError(std::string("PostgreSQL SELECT view: ") + PQerrorMessage(conn));
  }
  Groups out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    Group& g = out[PQgetvalue(r.get(), i, 0)];
    g.count = std::stoull(PQgetvalue(r.get(), i, 1));
    g.total = std::stold(PQgetvalue(r.get(), i, 2));
  }
  return out;
}

Status Run(DocSystem& system, const JsIndexOptions& o, Orders& orders, PostgresRun* run) {
  PgConn conn(PQconnectdb(system.connection_info().c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::IOError(std::string("PostgreSQL connect: ") + PQerrorMessage(conn.get()));
  }
  run->version = std::to_string(PQserverVersion(conn.get()) / 10000) + "." +
                 std::to_string(PQserverVersion(conn.get()) % 10000);
  auto t0 = Clock::now();
  ROOKERY_RETURN_IF_ERROR(Load(conn.get(), o, orders));
  // Hint bits and statistics settled before timing, as in a table that has been read since.
  ROOKERY_RETURN_IF_ERROR(Exec(conn.get(), "VACUUM (ANALYZE) docs"));
  run->load_seconds = Seconds(t0);
  // One backend, as Rookery indexes on one thread.
  ROOKERY_RETURN_IF_ERROR(Exec(conn.get(), "SET max_parallel_workers_per_gather = 0"));
  ROOKERY_RETURN_IF_ERROR(Exec(conn.get(),
                               "CREATE MATERIALIZED VIEW company_totals AS SELECT data->>'Company' "
                               "AS company, count(*) AS n, sum((data->>'Total')::float8) AS total "
                               "FROM docs GROUP BY 1 WITH NO DATA"));
  for (uint64_t i = 0; i < o.pg_refreshes; ++i) {
    const double cpu0 = ProcessTreeCpuSeconds(system.pid());
    t0 = Clock::now();
    ROOKERY_RETURN_IF_ERROR(Exec(conn.get(), "REFRESH MATERIALIZED VIEW company_totals"));
    run->refresh_seconds.push_back(Seconds(t0));
    run->refresh_cpu_seconds.push_back(ProcessTreeCpuSeconds(system.pid()) - cpu0);
  }
  ROOKERY_ASSIGN_OR_RETURN(Groups groups, ReadView(conn.get()));
  std::string diff = CompareGroups(orders.expected(), groups);
  if (!diff.empty()) return Status::Corruption("PostgreSQL's view differs:\n" + diff);

  PgResult prepared(PQprepare(conn.get(), "update",
                              "UPDATE docs SET data = $2::jsonb WHERE id = $1", 2, nullptr));
  if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    return Status::IOError(std::string("PostgreSQL prepare: ") + PQerrorMessage(conn.get()));
  }
  for (uint64_t i = 0; i < o.pg_changes; ++i) {
    const uint64_t n = orders.rng()() % o.docs;
    const std::string id = Orders::Id(n);
    const std::string json = orders.Change(n);
    const char* params[] = {id.c_str(), json.c_str()};
    PgResult r(PQexecPrepared(conn.get(), "update", 2, params, nullptr, nullptr, 0));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return Status::IOError(std::string("PostgreSQL UPDATE: ") + PQerrorMessage(conn.get()));
    }
    // From the UPDATE's commit: the view reflects it once REFRESH returns.
    t0 = Clock::now();
    ROOKERY_RETURN_IF_ERROR(Exec(conn.get(), "REFRESH MATERIALIZED VIEW company_totals"));
    run->change_seconds.push_back(Seconds(t0));
  }
  ROOKERY_ASSIGN_OR_RETURN(groups, ReadView(conn.get()));
  diff = CompareGroups(orders.expected(), groups);
  if (!diff.empty()) return Status::Corruption("PostgreSQL's view after changes differs:\n" + diff);
  return Status::Ok();
}

}  // namespace

Status RunPostgres(const JsIndexOptions& o, Orders& orders, PostgresRun* run) {
  ROOKERY_ASSIGN_OR_RETURN(auto system, StartPostgres(o.system));
  run->description = system->description();
  Status s = Run(*system, o, orders, run);
  Status stopped = system->Stop();
  return s.ok() ? stopped : s;
}

}  // namespace rookery::bench

// The RavenDB-compatible endpoints (protocol.md), split by concern:
//   handlers_server.cc     topology, cluster, database administration (§5, §6)
//   handlers_docs.cc       /docs: load, includes, startsWith, put, delete, head (§7.2-§7.4)
//   handlers_batch.cc      bulk_docs, hilo, stats (§7.5, §7.7, §9.5)
//   handlers_multi_get.cc  multi_get (§12)
//   handlers_queries.cc    queries, delete by query, operations (§8, §10)
//   handlers_indexes.cc    index listing, statistics, administration (§9)
//   handlers_revisions.cc  revisions configuration, reads, revert (§11)
// docs/compatibility.md lists what each endpoint supports.
//
// Threads: handlers run concurrently on the HTTP worker threads; they share only the context,
// whose members are thread-safe or immutable once the server runs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "documents/database.h"
#include "json/writer.h"
#include "server/database_registry.h"
#include "server/http.h"
#include "server/router.h"

namespace rookery::server {

struct ServerContext {
  DatabaseRegistry* registry = nullptr;
  platform::Env* env = nullptr;    // the server's clock
  const Router* router = nullptr;  // multi_get dispatches sub-requests through it
  std::string node_tag = "A";
  std::string topology_id;   // a GUID, fixed for the server's life
  std::string fallback_url;  // when a request has no Host header
};

void AddServerRoutes(Router& router, ServerContext& context);
void AddDocumentRoutes(Router& router, ServerContext& context);
void AddBatchRoutes(Router& router, ServerContext& context);
void AddMultiGetRoute(Router& router, ServerContext& context);
void AddQueryRoutes(Router& router, ServerContext& context);
void AddIndexRoutes(Router& router, ServerContext& context);
void AddRevisionRoutes(Router& router, ServerContext& context);

inline void AddAllRoutes(Router& router, ServerContext& context) {
  context.router = &router;
  AddServerRoutes(router, context);
  AddDocumentRoutes(router, context);
  AddBatchRoutes(router, context);
  AddMultiGetRoute(router, context);
  AddQueryRoutes(router, context);
  AddIndexRoutes(router, context);
  AddRevisionRoutes(router, context);
}

// Whether a request is a query (GET or POST /databases/{db}/queries) that can be answered on the
// I/O thread that read it (HttpServerOptions::handle_inline): its database is open, it does not
// wait for non-stale results, and the query engine says it is quick
// (query::QueryEngine::RunIfQuick). Such a query is run here, once: the query route's handler,
// which HttpServer calls next on this thread with the same request, responds with that result.
// Anything else, malformed requests included, goes to the worker pool, which answers it as
// before.
bool QueryAnswersInline(ServerContext& context, const HttpRequest& req);

// A handler of a database route: returns a non-OK Status to answer an error (SetErrorFromStatus).
using DocumentsHandler =
    std::function<Status(const HttpRequest&, HttpResponse&, documents::Database&)>;
// Resolves the database (503 + Database-Missing when unknown) and maps the handler's Status.
Router::DatabaseHandler WithDatabase(ServerContext& context, DocumentsHandler handler);

// Like DocumentsHandler, with the database's indexes, query engine and operations.
using ServicesHandler = std::function<Status(const HttpRequest&, HttpResponse&, DatabaseServices&)>;
Router::DatabaseHandler WithServices(ServerContext& context, ServicesHandler handler);

// "Indexes" entries of /stats and the body of /indexes/stats (index statistics, §9.3, §9.5).
// `only`: one index's name (case-insensitive); empty = every index.
void WriteIndexStats(json::JsonWriter& w, DatabaseServices& services, bool full,
                     std::string_view only = {});

// A document's JSON as a response holds it: whole, or only {"@metadata":..} with metadataOnly.
Result<std::string> DocumentJson(const documents::Document& doc, bool metadata_only);

// A new random GUID in the 8-4-4-4-12 form.
std::string NewGuid();

}  // namespace rookery::server

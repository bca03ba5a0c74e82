// Router: maps (method, path) to a handler; everything else is RavenDB's 400
// RouteNotFoundException (never 404, which the client reads as "document not found").
//
// Two kinds of routes: server routes match a path exactly ("/cluster/topology"); database routes
// match "/databases/{db}/<rest>" where {db} is one path segment, inserted raw by the client
// (protocol.md §3.1), and the handler receives the database name. Route matching comes before
// any database lookup, so an unknown route on an unknown database is still a 400.
//
// Threads: routes are added before the server starts; Dispatch is then called concurrently (also
// re-entrantly, by multi_get).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"

namespace rookery::server {

class Router {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  using DatabaseHandler =
      std::function<void(const HttpRequest&, HttpResponse&, const std::string& database)>;

  // `path` is matched exactly (after percent-decoding); `method` case-sensitively, as HTTP says.
  void Add(std::string method, std::string path, Handler handler);
  // `rest` is the part after "/databases/{db}", starting with '/': "/docs", "/hilo/next".
  void AddDatabase(std::string method, std::string rest, DatabaseHandler handler);
  void Dispatch(const HttpRequest& req, HttpResponse& res) const;

  // Splits "/databases/{db}/<rest>" into its parts; false for other paths.
  static bool SplitDatabasePath(std::string_view path, std::string* database, std::string* rest);

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  struct DatabaseRoute {
    std::string method;
    std::string rest;
    DatabaseHandler handler;
  };
  void NoRoute(const HttpRequest& req, HttpResponse& res, bool path_known) const;

  std::vector<Route> routes_;
  std::vector<DatabaseRoute> database_routes_;
};

}  // namespace rookery::server

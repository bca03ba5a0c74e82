#include "server/router.h"

#include "server/errors.h"

namespace rookery::server {

void Router::Add(std::string method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

void Router::AddDatabase(std::string method, std::string rest, DatabaseHandler handler) {
  database_routes_.push_back(DatabaseRoute{std::move(method), std::move(rest), std::move(handler)});
}

bool Router::SplitDatabasePath(std::string_view path, std::string* database, std::string* rest) {
  constexpr std::string_view kPrefix = "/databases/";
  if (!path.starts_with(kPrefix)) return false;
  const std::string_view tail = path.substr(kPrefix.size());
  const size_t slash = tail.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  *database = std::string(tail.substr(0, slash));
  *rest = std::string(tail.substr(slash));
  return true;
}

void Router::Dispatch(const HttpRequest& req, HttpResponse& res) const {
  // RavenDB identifies a response's producer by this header; clients >= 5.2 check its version.
  res.SetHeader("Raven-Server-Version", "7.0.0");
  bool path_known = false;
  for (const auto& route : routes_) {
    if (route.path != req.path) continue;
    path_known = true;
    if (route.method == req.method) {
      route.handler(req, res);
      return;
    }
  }
  std::string database, rest;
  if (SplitDatabasePath(req.path, &database, &rest)) {
    for (const auto& route : database_routes_) {
      if (route.rest != rest) continue;
      path_known = true;
      if (route.method == req.method) {
        route.handler(req, res, database);
        return;
      }
    }
  }
  NoRoute(req, res, path_known);
}

void Router::NoRoute(const HttpRequest& req, HttpResponse& res, bool path_known) const {
  std::string message = "There is no handler for path: " + req.method + " " + req.path;
  if (path_known) {
    // Name the methods that do exist: a wrong verb is the likely mistake.
    std::string allowed;
    std::string database, rest;
    const bool is_db = SplitDatabasePath(req.path, &database, &rest);
    for (const auto& route : routes_) {
      if (route.path == req.path) allowed += (allowed.empty() ? "" : ", ") + route.method;
    }
    if (is_db) {
      for (const auto& route : database_routes_) {
        if (route.rest == rest) allowed += (allowed.empty() ? "" : ", ") + route.method;
      }
    }
    message += " (this path accepts " + allowed + ")";
  }
  SetError(res, 400, req.target, kRouteNotFound, message);
}

}  // namespace rookery::server

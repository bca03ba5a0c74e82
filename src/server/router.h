// Router: maps (method, path) to a handler; everything else is RavenDB's 400
// RouteNotFoundException (never 404, which the client reads as "document not found").
//
// Threads: routes are added before the server starts; Dispatch is then called concurrently.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/http.h"

namespace rookery::server {

class Router {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

  // `path` is matched exactly (after percent-decoding); `method` case-sensitively, as HTTP says.
  void Add(std::string method, std::string path, Handler handler);
  void Dispatch(const HttpRequest& req, HttpResponse& res) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace rookery::server

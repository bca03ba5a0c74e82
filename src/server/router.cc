#include "server/router.h"

#include "server/errors.h"

namespace rookery::server {

void Router::Add(std::string method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

void Router::Dispatch(const HttpRequest& req, HttpResponse& res) const {
  // RavenDB identifies a response's producer by this header; clients >= 5.2 check its version.
  res.SetHeader("Raven-Server-Version", "7.0.0");
  for (const auto& route : routes_) {
    if (route.path == req.path && route.method == req.method) {
      route.handler(req, res);
      return;
    }
  }
  SetError(res, 400, req.target, kRouteNotFound,
           "There is no handler for path: " + req.method + " " + req.path);
}

}  // namespace rookery::server

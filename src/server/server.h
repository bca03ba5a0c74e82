// Server: the running Rookery server, assembled from settings.
//
// Owns the Env (PosixEnv, or MemEnv when RunInMemory), the data directory (locked against a second
// server), the database registry (databases under <data-dir>/Databases), the routes and the HTTP
// listener. Start() returns once the listener accepts
// connections; Stop() finishes in-flight requests and closes everything.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "platform/env.h"
#include "server/settings.h"

namespace rookery::server {

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(const Settings& settings);
  virtual ~Server() = default;

  // The URL clients use, with the real port when the settings asked for port 0.
  virtual std::string url() const = 0;
  virtual void Stop() = 0;
};

}  // namespace rookery::server

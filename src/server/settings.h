// Server settings and where they come from.
//
// Precedence, lowest to highest (docs/configuration.md):
//   1. built-in defaults;
//   2. the settings file: --config FILE, else ./settings.json if it exists (RavenDB's format: a
//      flat JSON object of "Key": value, nested objects flattened with dots);
//   3. environment variables: ROOKERY_DATA_DIR, ROOKERY_BIND, ROOKERY_PORT, ROOKERY_LOG_LEVEL,
//      ROOKERY_IN_MEMORY, and RavenDB's RAVEN_<Key> with '_' for '.' (RAVEN_ServerUrl,
//      RAVEN_Logs_Mode, ...);
//   4. the command line: --data-dir, --bind, --port, --log-level, --in-memory, and RavenDB-style
//      --Key=Value arguments (--ServerUrl=http://127.0.0.1:0).
// Every source is reduced to (key, value) pairs applied in that order, so a key means the same
// thing wherever it comes from. RavenDB keys without a Rookery meaning are collected in
// `ignored` and logged once at start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/logging.h"
#include "base/result.h"

namespace rookery::server {

struct Settings {
  std::string data_dir = "data";
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port
  bool in_memory = false;
  log::Level log_level = log::Level::kInfo;
  uint64_t max_body_bytes = uint64_t{128} << 20;
  unsigned worker_threads = 0;  // 0: max(4, 2 x cores)
  // HttpServerOptions::busy_poll: how long an I/O thread polls without sleeping after activity.
  uint32_t busy_poll_micros = 100;

  // Where each setting came from ("default", "settings.json", "environment", "command line").
  std::map<std::string, std::string> origin;
  // Keys recognised as RavenDB's but without effect here, with their source.
  std::vector<std::string> ignored;

  std::string Url() const;
};

class SettingsBuilder {
 public:
  explicit SettingsBuilder(Settings* settings) : settings_(settings) {}

  // Applies one key. Keys are RavenDB's names (ServerUrl, DataDir, RunInMemory, Logs.Mode,
  // Logs.MinLevel, Http.MaxRequestBodySizeInMb) or Rookery's (Bind, Port, LogLevel,
  // Http.WorkerThreads, Http.BusyPollMicroseconds), case-insensitive. Unknown keys are recorded as
  // ignored; invalid values are kInvalidArgument naming the key, the value and the source.
  Status Apply(std::string_view key, std::string_view value, std::string_view source);

  // Reads a settings.json-style file (through the caller's reading; `text` is its content).
  Status ApplyJsonFile(std::string_view text, std::string_view source);
  // Reads ROOKERY_* and RAVEN_* variables from `environ`-style "NAME=value" entries.
  Status ApplyEnvironment(const std::vector<std::string>& entries);

 private:
  Settings* settings_;
};

// Splits RavenDB-style "--Key=Value" arguments (Key starts with an upper-case letter) out of argv;
// returns them as pairs and leaves the rest for the ordinary command-line parser.
std::vector<std::pair<std::string, std::string>> ExtractRavenArgs(std::vector<std::string>* args);

}  // namespace rookery::server

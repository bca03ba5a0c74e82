#include "cli/commands.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "server/build_info.h"
#include "server/server.h"
#include "server/settings.h"

extern char** environ;

namespace rookery::cli {
namespace {

constexpr const char* kDescription =
    "Rookery: a document database that speaks RavenDB's HTTP protocol.\n"
    "Run `rookery serve` to start a server on http://127.0.0.1:8080 with data in ./data.";

constexpr const char* kServeFooter = R"(
Settings come from, lowest precedence first: built-in defaults; a settings file (--config, else
./settings.json if present); environment variables (ROOKERY_DATA_DIR, ROOKERY_BIND, ROOKERY_PORT,
ROOKERY_LOG_LEVEL, ROOKERY_IN_MEMORY, and RavenDB's RAVEN_<Key> such as RAVEN_ServerUrl); then the
command line. RavenDB-style arguments are accepted too:
  --ServerUrl=http://127.0.0.1:0   (port 0 picks a free port; the chosen URL is printed)
  --DataDir=PATH  --RunInMemory=true  --Logs.Mode=None|Operations|Information
RavenDB keys without a Rookery meaning are logged and ignored.

The server prints "Server available on: <url>" once it accepts connections, and stops cleanly on
Ctrl-C, SIGTERM, or the line "shutdown" on standard input. See docs/configuration.md.)";

struct ServeOptions {
  std::string config;
  std::string data_dir;
  std::string bind;
  int port = -1;
  std::string log_level;
  bool in_memory = false;
};

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read settings file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Builds the settings from every source in precedence order (settings.h).
Result<server::Settings> BuildSettings(
    const ServeOptions& opts, const std::vector<std::pair<std::string, std::string>>& raven_args) {
  server::Settings settings;
  server::SettingsBuilder builder(&settings);
  std::string config = opts.config;
  if (config.empty() && ::access("settings.json", R_OK) == 0) config = "settings.json";
  if (!config.empty()) {
    ROOKERY_ASSIGN_OR_RETURN(std::string text, ReadTextFile(config));
    ROOKERY_RETURN_IF_ERROR(builder.ApplyJsonFile(text, config));
  }
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  ROOKERY_RETURN_IF_ERROR(builder.ApplyEnvironment(env));
  for (const auto& [k, v] : raven_args) {
    ROOKERY_RETURN_IF_ERROR(builder.Apply(k, v, "command line --" + k));
  }
  const std::string cli = "command line";
  if (!opts.data_dir.empty()) ROOKERY_RETURN_IF_ERROR(builder.Apply("DataDir", opts.data_dir, cli));
  if (!opts.bind.empty()) ROOKERY_RETURN_IF_ERROR(builder.Apply("Bind", opts.bind, cli));
  if (opts.port >= 0) {
    ROOKERY_RETURN_IF_ERROR(builder.Apply("Port", std::to_string(opts.port), cli));
  }
  if (!opts.log_level.empty()) {
    ROOKERY_RETURN_IF_ERROR(builder.Apply("LogLevel", opts.log_level, cli));
  }
  if (opts.in_memory) ROOKERY_RETURN_IF_ERROR(builder.Apply("RunInMemory", "true", cli));
  return settings;
}

// Reads standard input line by line; "shutdown" (or "q") asks the server to stop by raising
// SIGTERM, which the main thread waits for. End of input just ends the reader: a server started
// with stdin closed or redirected from /dev/null keeps running.
void StartConsoleReader() {
  std::thread([] {
    std::string line;
    while (std::getline(std::cin, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line == "shutdown" || line == "q" || line == "quit") {
        log::Info("shutdown requested on standard input");
        ::kill(::getpid(), SIGTERM);
        return;
      }
      if (!line.empty()) log::Warn("unknown console command '{}'; type 'shutdown' to stop", line);
    }
  }).detach();
}

int Serve(const ServeOptions& opts, const std::vector<std::pair<std::string, std::string>>& raven) {
  // Block the stop signals in every thread; the main thread collects them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  log::Init(log::Level::kInfo);
  auto settings = BuildSettings(opts, raven);
  if (!settings.ok()) {
    std::cerr << "rookery: " << settings.status().message() << "\n";
    return 2;
  }
  log::SetLevel(settings->log_level);
  for (const auto& key : settings->ignored) {
    log::Warn("ignoring setting {}: it has no meaning in Rookery", key);
  }

  auto server = server::Server::Start(*settings);
  if (!server.ok()) {
    std::cerr << "rookery: cannot start: " << server.status().ToString() << "\n";
    return 1;
  }
  std::cout << "Server available on: " << (*server)->url() << std::endl;
  StartConsoleReader();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("stopping ({})", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto raven_args = server::ExtractRavenArgs(&args);

  CLI::App app{kDescription, "rookery"};
  app.set_version_flag("--version", std::string("rookery ") + server::kRookeryVersion +
                                        " (commit " + server::kCommitHash + ", RavenDB protocol " +
                                        server::kRavenFullVersion + ")");
  app.require_subcommand(0, 1);

  ServeOptions opts;
  CLI::App* serve = app.add_subcommand("serve", "Start the server in the foreground");
  serve->footer(kServeFooter);
  serve->add_option("--data-dir", opts.data_dir, "Directory for databases (default: ./data)");
  serve->add_option("--bind", opts.bind, "Address to listen on (default: 127.0.0.1)");
  serve->add_option("--port", opts.port, "TCP port; 0 picks a free one (default: 8080)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--log-level", opts.log_level,
                    "trace, debug, info, warn, error or off (default: info)");
  serve->add_flag("--in-memory", opts.in_memory,
                  "Keep everything in memory; nothing is written to disk");
  serve->add_option("--config", opts.config, "Settings file (default: ./settings.json if present)");

  // CLI11 wants argv order with the program name first.
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (serve->parsed()) return Serve(opts, raven_args);
  if (!raven_args.empty()) return Serve(opts, raven_args);  // `rookery --ServerUrl=...`
  std::cout << app.help();
  return 0;
}

}  // namespace rookery::cli

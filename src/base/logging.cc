#include "base/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>

namespace rookery::log {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::once_flag g_init_once;
Level g_level = Level::kInfo;

}  // namespace

std::optional<Level> ParseLevel(std::string_view text) {
  const std::string t = Lower(text);
  if (t == "trace") return Level::kTrace;
  if (t == "debug") return Level::kDebug;
  if (t == "info" || t == "information") return Level::kInfo;
  if (t == "warn" || t == "warning" || t == "operations") return Level::kWarn;
  if (t == "error" || t == "fatal") return Level::kError;
  if (t == "off" || t == "none") return Level::kOff;
  return std::nullopt;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

void Init(Level level) {
  std::call_once(g_init_once, [] {
    auto logger = spdlog::stderr_logger_mt("rookery");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
  });
  SetLevel(level);
}

void SetLevel(Level level) {
  g_level = level;
  spdlog::set_level(ToSpd(level));
}

Level GetLevel() {
  return g_level;
}

}  // namespace rookery::log

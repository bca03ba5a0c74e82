// Logging for operators: one line per event someone can act on (architecture.md, habit 10).
//
// A thin layer over spdlog so that the rest of the code names levels in one way and the sink
// (stderr, colourless, one line per event) is configured in one place. Safe from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>
#include <utility>

namespace rookery::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Parses our level names (trace, debug, info, warn, error, off) case-insensitively, plus
// RavenDB's Logs.Mode / Logs.MinLevel values (None, Operations, Information, Trace, Debug,
// Warn, Error, Fatal, Off). Returns nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view text);
std::string_view LevelName(Level level);

// Installs the process-wide stderr logger. Idempotent; later calls only change the level.
void Init(Level level);
void SetLevel(Level level);
Level GetLevel();

template <typename... Args>
void Debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace rookery::log

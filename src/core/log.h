#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/result.h"

namespace sluice {

// sluice's own log: lines on stderr, "sluice: " and the message, filtered by level. What a
// sender can cause in bulk goes through a RateLimitedLog (core/rate_limited_log.h) instead.
enum class LogLevel : uint8_t { kError, kWarn, kInfo, kDebug };

// Process-wide; info by default. Thread-safe.
void set_log_level(LogLevel level);
[[nodiscard]] LogLevel log_level();
[[nodiscard]] inline bool log_enabled(LogLevel level) {
  return level <= log_level();
}
// "error", "warn", "info" or "debug".
[[nodiscard]] Result<LogLevel> parse_log_level(std::string_view name);
[[nodiscard]] std::string_view to_string(LogLevel level);

// Writes "sluice: " + line + "\n" to `out` in one write, so that the lines of concurrent threads
// never interleave. The line is escaped first (append_log_escaped).
void write_log_line(std::string_view line, std::FILE* out = stderr);

// Appends `text` with its control bytes written as escapes (\n, \r, \t, \xHH), so that what
// a sender or a receiver wrote (a rejected key, a message, a response body) can neither add a
// line to sluice's log nor reach the terminal as an escape sequence. Other bytes are copied.
void append_log_escaped(std::string& out, std::string_view text);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (!log_enabled(level)) return;
  write_log_line(fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::kError, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::kWarn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::kInfo, format, std::forward<Args>(args)...);
}

}  // namespace sluice

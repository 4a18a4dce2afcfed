#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/log.h"

namespace sluice {

// Writes at most one line per interval to stderr, for messages a sender can cause in bulk
// (rejected messages), at warn level (core/log.h). The line says how many were suppressed since
// the last one, so a flood is visible without flooding the log. Thread-safe and lock-free:
// suppression is one atomic load and increment.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::string prefix,
                          std::chrono::steady_clock::duration interval = std::chrono::seconds(1),
                          std::FILE* out = stderr)
      : prefix_(std::move(prefix)), interval_ns_(to_ns(interval)), out_(out) {}

  template <typename... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    if (!log_enabled(LogLevel::kWarn) || !claim()) return;
    std::string line = fmt::format(format, std::forward<Args>(args)...);
    emit(line);
  }

  // Only before the log is shared with other threads.
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }

  [[nodiscard]] uint64_t suppressed_total() const { return suppressed_total_.load(); }
  [[nodiscard]] uint64_t written() const { return written_.load(); }

 private:
  static int64_t to_ns(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  bool claim();
  void emit(std::string_view line);

  std::string prefix_;
  int64_t interval_ns_;
  std::FILE* out_;
  std::atomic<int64_t> next_allowed_ns_{INT64_MIN};
  std::atomic<uint64_t> suppressed_{0};  // since the last written line
  std::atomic<uint64_t> suppressed_total_{0};
  std::atomic<uint64_t> written_{0};
};

}  // namespace sluice

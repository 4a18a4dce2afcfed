#include "core/log.h"

#include <atomic>

namespace sluice {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

}  // namespace

void set_log_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

LogLevel log_level() {
  return g_level.load(std::memory_order_relaxed);
}

Result<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
    if (to_string(l) == name) return l;
  }
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("\"{}\" is not a log level: use error, warn, info or debug", name));
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

void append_log_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
    }
  }
}

void write_log_line(std::string_view line, std::FILE* out) {
  std::string text;
  text.reserve(line.size() + 9);
  text += "sluice: ";
  append_log_escaped(text, line);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace sluice

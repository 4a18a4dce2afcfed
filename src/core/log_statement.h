#pragma once

#include <optional>
#include <string_view>

namespace sluice {

// An explicit log line, as VCL's `log` statement produces it:
//   syslog <service_id> <endpoint_name> :: <message>
// The prefix up to and including ":: " is routing information and is not delivered.
struct LogStatement {
  std::string_view service_id;
  std::string_view endpoint;
  std::string_view message;
};

// Parses a log statement; nullopt when the text is not one. Views point into `text`.
[[nodiscard]] std::optional<LogStatement> parse_log_statement(std::string_view text);

}  // namespace sluice

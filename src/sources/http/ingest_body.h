#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "route/ingest_session.h"

namespace sluice {

// What one HTTP ingest body carries: request records for one service, or log statements.
enum class IngestKind : uint8_t { kRecords, kLogStatements };

struct IngestOutcome {
  struct LineError {
    size_t line = 0;  // 1-based, counting every line of the body, blank ones too
    std::string reason;
  };
  size_t accepted = 0;
  size_t rejected = 0;
  size_t dropped = 0;  // taken from `accepted` after the flush: a queue's drop policy dropped them
  std::vector<LineError> errors;  // the first kMaxReportedErrors rejections

  // Counts line `line` as accepted (`status` ok) or rejected with its reason.
  void count(size_t line, const Status& status) {
    if (status) {
      ++accepted;
    } else {
      reject(line, status.error().message());
    }
  }
  void reject(size_t line, std::string reason);
};

// The answer stays small however bad the body is; `rejected` still counts every line.
inline constexpr size_t kMaxReportedErrors = 100;

// Calls fn(number, line) for each line of `body` that is not blank (spaces and tabs only),
// without its '\n' or a trailing '\r'; `number` is 1-based and counts every line.
template <typename Fn>
void for_each_body_line(std::string_view body, Fn&& fn) {
  size_t number = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    fn(number, line);
  }
}

// Submits each line of `body` (NDJSON, or plain text for log statements) to the session, and
// says which were rejected and why. Blank lines are skipped; a trailing '\r' is dropped. For
// kLogStatements a line that is a JSON string ("syslog svc ep :: msg", with JSON escapes) is
// decoded first, so that an NDJSON body of strings works as well as plain lines.
// The session is not flushed here.
[[nodiscard]] IngestOutcome ingest_body(IngestSession& session, IngestKind kind,
                                        std::string_view service_id, std::string_view body);

// {"accepted":N,"rejected":M,"dropped":D,"errors":[{"line":k,"reason":"..."}]}
[[nodiscard]] std::string outcome_json(const IngestOutcome& outcome);

// Decodes a JSON string literal, quotes included, into UTF-8. False (with the reason in
// `error`) when it is not one; unpaired surrogates are an error.
[[nodiscard]] bool decode_json_string(std::string_view literal, std::string& out,
                                      std::string& error);

}  // namespace sluice

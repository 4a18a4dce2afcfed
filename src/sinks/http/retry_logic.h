#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "delivery/verdict.h"
#include "topology/endpoint_counters.h"

namespace sluice {

// The outcome of one HTTP exchange, as the transport reports it. Independent of libcurl, so the
// classification is testable without a network.
struct HttpOutcome {
  bool transport_ok = true;  // false: no (complete) response: see transport_error
  // Why there was no response, and whether it is a kind that retrying can fix.
  enum class Transport : uint8_t {
    kNone,
    kTimeout,        // the request took longer than `timeout`
    kConnection,     // refused, reset, closed early, DNS try-again...
    kTls,            // the certificate did not verify, a handshake failure
    kConfiguration,  // unknown host, malformed URL, unreadable certificate file
  } transport = Transport::kNone;
  std::string transport_error;  // libcurl's message
  long status = 0;              // the HTTP status when transport_ok
  std::string retry_after;      // the Retry-After header, if any
  std::string body;             // the start of the response body
};

// What to do with a request after its exchange (Vector's RetryLogic for HTTP sinks).
struct HttpVerdict {
  enum class Action : uint8_t {
    kSuccess,    // 2xx: acknowledge the lines
    kRetry,      // timeouts, connection errors, 408, 429, 5xx: send the same request again
    kDontRetry,  // other 4xx: the destination refuses these lines; they go to the dead letter
  } action = Action::kSuccess;
  // For errors: retryable (kRetry), permanent (kDontRetry), or configuration (kRetry, slowly:
  // TLS, DNS and redirects need an operator, not another attempt in 100 ms).
  ErrorClass error_class = ErrorClass::kRetryable;
  std::optional<std::chrono::milliseconds> retry_after;  // the destination's own delay
  std::string message;  // for /status and the error stream; never header values
};

// The longest Retry-After honoured; a larger value is treated as this.
inline constexpr std::chrono::milliseconds kMaxRetryAfter{10 * 60 * 1000};

// How many bytes of a refused request's response body are kept for the error stream.
inline constexpr size_t kErrorBodyBytes = 512;

// Sorts an outcome. `what` names the request in messages, e.g. "POST https://logs.example/in"
// (credentials already redacted). The message quotes the start of an error body, with
// `secrets` (what the request carried) and anything credential-like redacted (core/redact.h).
[[nodiscard]] HttpVerdict classify_http_outcome(const HttpOutcome& outcome, std::string_view what,
                                                std::chrono::system_clock::time_point now,
                                                std::span<const std::string> secrets = {});

// The same, in the delivery driver's vocabulary.
[[nodiscard]] Verdict to_verdict(HttpVerdict verdict);

// Retry-After (RFC 9110 10.2.3): a number of seconds, or an HTTP-date (IMF-fixdate, or the
// obsolete RFC 850 and asctime forms). Dates in the past give 0. Capped at kMaxRetryAfter.
// nullopt for anything else.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace sluice

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error_code.h"

namespace sluice {

// What a sink's retry logic answers for one request (Vector's RetryLogic): the one vocabulary the
// delivery driver acts on, whatever the destination's protocol.
struct Verdict {
  enum class Kind : uint8_t {
    kSuccessful,    // every line arrived: acknowledge them
    kRetry,         // nothing arrived: send the same lines again, after `retry_after` or a backoff
    kRetryPartial,  // the lines at `failed` did not arrive, the others did: send those again
    kDontRetry,     // the destination refuses these lines for good: dead letter
  } kind = Kind::kSuccessful;
  // Of a failure: retryable, permanent, or configuration (retried slowly: an operator must act).
  ErrorClass error_class = ErrorClass::kRetryable;
  std::optional<std::chrono::milliseconds> retry_after;  // the destination's own delay
  std::vector<uint32_t> failed;  // kRetryPartial: indexes of the request's lines, ascending
  std::string message;           // for /status and the error stream; never a secret
  // The failures are the destination's rate limit only, which a RequestPlanner shapes for: they
  // are resent without an error or a backoff (the sink counts them as throttled).
  bool throttled = false;

  [[nodiscard]] static Verdict successful() { return {}; }
  [[nodiscard]] static Verdict retry(ErrorClass c, std::string message,
                                     std::optional<std::chrono::milliseconds> after = {}) {
    return {Kind::kRetry, c, after, {}, std::move(message), false};
  }
  [[nodiscard]] static Verdict retry_partial(std::vector<uint32_t> failed, ErrorClass c,
                                             std::string message) {
    return {Kind::kRetryPartial, c, {}, std::move(failed), std::move(message), false};
  }
  [[nodiscard]] static Verdict dont_retry(ErrorClass c, std::string message) {
    return {Kind::kDontRetry, c, {}, {}, std::move(message), false};
  }
};

}  // namespace sluice

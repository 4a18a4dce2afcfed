#pragma once

#include <string>
#include <string_view>

#include "sinks/http/retry_logic.h"
#include "topology/endpoint_counters.h"

namespace sluice {

// What to do after a Kinesis API call (Vector's RetryLogic, for the three error classes of
// DESIGN "Retries").
struct KinesisVerdict {
  enum class Action : uint8_t {
    kSuccess,
    kRetry,        // send the same records again after a backoff
    kRetrySlowly,  // configuration: the operator must act; keep queueing, retry at the cap
    kIsolate,      // the request as a whole was refused: send its records one per request to
                   // find the one that is at fault
    kDeadLetter,   // a single record refused for good
  } action = Action::kSuccess;
  ErrorClass error_class = ErrorClass::kRetryable;
  bool refresh_shards = false;       // the stream changed (or vanished): list its shards again
  bool refresh_credentials = false;  // temporary credentials expired or were refused
  std::string message;               // for /status; never a secret
};

// A whole call: transport failures, HTTP status and the API's error type. `records` is how many
// records the request held (1 turns kIsolate into kDeadLetter).
[[nodiscard]] KinesisVerdict classify_kinesis_call(const HttpOutcome& outcome,
                                                   std::string_view what, size_t records);

// One entry of a PutRecords answer that failed.
enum class KinesisEntryAction : uint8_t { kThrottled, kRetry, kRetrySlowly };
[[nodiscard]] KinesisEntryAction classify_record_error(std::string_view error_code);

}  // namespace sluice

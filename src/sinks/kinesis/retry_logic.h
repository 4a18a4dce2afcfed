#pragma once

#include <span>
#include <string>
#include <string_view>

#include "delivery/verdict.h"

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

// The driver's Verdict on a whole call refused or failed (not kSuccess). kIsolate resends at once
// (the records are marked to go alone); kDeadLetter refuses the call's lines.
[[nodiscard]] Verdict to_verdict(const KinesisVerdict& v);

struct PutRecordsResult;

// The Verdict on a PutRecords answer read record by record, where record i holds
// `lines_per_record[i]` of the call's lines: the lines of failed records are sent again. When
// every failure is a shard's throttling, the Verdict is marked throttled (shaped for, not an
// error). `throttled` is set to how many records were throttled.
[[nodiscard]] Verdict put_records_verdict(const PutRecordsResult& result,
                                          std::span<const uint32_t> lines_per_record,
                                          std::string_view what, size_t& throttled);

}  // namespace sluice

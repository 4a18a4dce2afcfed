#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iterator>

#include "core/error_code.h"

namespace sluice {

// Why an event was dropped (DESIGN "Delivery"). Unknown endpoint names are counted per
// (service, name) by the router instead, since no endpoint exists to count them.
// kEndpointRemoved: lines an ingest batch still held for an endpoint that a reload removed, when
// its queue stayed full past the shutdown grace (the batch must finish so the version can go).
enum class DropReason : uint8_t { kQueueFull, kPermanentError, kExpired, kEndpointRemoved, kCount };

// Counters of one endpoint. Atomic: sources on any thread and the sink update them.
struct EndpointCounters {
  std::atomic<uint64_t> received{0};   // lines accepted into the queue
  std::atomic<uint64_t> delivered{0};  // lines acknowledged by the destination
  std::atomic<uint64_t> delivered_bytes{0};
  std::atomic<uint64_t> retried{0};         // lines sent again after a failure
  std::atomic<uint64_t> cut_at_newline{0};  // line rules: cut at '\n' or NUL
  std::atomic<uint64_t> truncated{0};       // line rules: cut at the length limit
  // HTTP json_format 1/2: lines that were not valid JSON and were sent as JSON strings.
  std::atomic<uint64_t> invalid_json{0};
  std::atomic<uint64_t> requests_in_flight{0};  // HTTP sinks: requests awaiting an answer
  // Records the destination refused for its rate limit (Kinesis: the equivalent of CloudWatch's
  // WriteProvisionedThroughputExceeded), all retried.
  std::atomic<uint64_t> throttled{0};
  std::atomic<uint64_t> dropped[size_t(DropReason::kCount)] = {};
  std::atomic<uint64_t> errors[size_t(ErrorClass::kCount)] = {};
  // Batch latency: time from take() to ack, in buckets (seconds) for the Prometheus histogram.
  static constexpr double kLatencyBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
  std::atomic<uint64_t> latency_bucket[std::size(kLatencyBuckets) + 1] = {};
  std::atomic<uint64_t> latency_count{0};
  std::atomic<uint64_t> latency_sum_usec{0};

  void observe_batch_latency(std::chrono::steady_clock::duration d);
};

}  // namespace sluice

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "format/condition.h"
#include "format/log_format.h"
#include "queue/endpoint_queue.h"

namespace sluice {

// Why an event was dropped (DESIGN "Delivery"). Unknown endpoint names are counted per
// (service, name) by the router instead, since no endpoint exists to count them.
enum class DropReason : uint8_t { kQueueFull, kPermanentError, kExpired, kCount };

// Error classes of DESIGN "Retries".
enum class ErrorClass : uint8_t { kRetryable, kPermanent, kConfiguration, kCount };

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

// What /status shows of an endpoint, and the error stream (the last hour of errors).
class EndpointStatus {
 public:
  struct ErrorEvent {
    std::chrono::system_clock::time_point time;
    ErrorClass error_class;
    std::string message;
  };

  // state: "ok", "connecting", "retrying", "error", or a sink's own word.
  void set_state(std::string state);
  void record_success();
  void record_error(ErrorClass c, std::string message);
  // A JSON object of the sink's own (a Kinesis shard table, say), shown in /status as
  // "detail". The sink owns its shape; "" shows nothing.
  void set_detail(std::string json);

  struct Snapshot {
    std::string state;
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::optional<ErrorEvent> last_error;
    std::vector<ErrorEvent> recent_errors;  // the last hour, oldest first
    std::string detail;
  };
  [[nodiscard]] Snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  std::string state_ = "starting";
  std::optional<std::chrono::system_clock::time_point> last_success_;
  std::deque<ErrorEvent> errors_;
  std::string detail_;
};

// A sink's own copy of the state it last set, so that it can set its state on every event and
// only take the status lock when the state changes.
class SinkState {
 public:
  explicit SinkState(EndpointStatus& status) : status_(status) {}
  void set(const char* state) {
    if (state_ == state) return;
    state_ = state;
    status_.set_state(state);
  }
  [[nodiscard]] std::string_view get() const { return state_; }

 private:
  EndpointStatus& status_;
  std::string_view state_;
};

// Everything about one endpoint at run time. Immutable identity and compiled format; thread-safe
// queue, counters and status.
struct EndpointRuntime {
  std::string service_id;
  size_t index = 0;                        // position in Router::endpoints()
  const EndpointConfig* config = nullptr;  // owned by the engine's Config
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::shared_ptr<const LogFormat> format;
  // Rendered beside the line and queued with it as its key (queue/line_key.h); nullptr when the
  // endpoint type does not route by key.
  std::shared_ptr<const LogFormat> key_format;
  std::shared_ptr<const Condition> condition;  // nullptr: every record
  std::unique_ptr<EndpointQueue> queue;
  EndpointCounters counters;
  EndpointStatus status;

  [[nodiscard]] const std::string& name() const { return config->name; }
};

}  // namespace sluice

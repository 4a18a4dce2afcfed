#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topology/endpoint_counters.h"
#include "topology/endpoint_state.h"

namespace sluice {

// What /status shows of an endpoint, and the error stream (the last hour of errors).
class EndpointStatus {
 public:
  struct ErrorEvent {
    std::chrono::system_clock::time_point time;
    ErrorClass error_class;
    std::string message;
  };

  void set_state(EndpointState state);
  void record_success();
  void record_error(ErrorClass c, std::string message);
  // A JSON object of the sink's own (a Kinesis shard table, say), shown in /status as
  // "detail". The sink owns its shape; "" shows nothing.
  void set_detail(std::string json);

  struct Snapshot {
    EndpointState state = EndpointState::kStarting;
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::optional<ErrorEvent> last_error;
    std::vector<ErrorEvent> recent_errors;  // the last hour, oldest first
    std::string detail;
  };
  [[nodiscard]] Snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  EndpointState state_ = EndpointState::kStarting;
  std::optional<std::chrono::system_clock::time_point> last_success_;
  std::deque<ErrorEvent> errors_;
  std::string detail_;
};

// A sink's own copy of the state it last set, so that it can set its state on every event and
// only take the status lock when the state changes.
class SinkState {
 public:
  explicit SinkState(EndpointStatus& status) : status_(status) {}
  void set(EndpointState state) {
    if (state_ == state) return;
    state_ = state;
    status_.set_state(state);
  }
  [[nodiscard]] EndpointState get() const { return state_; }

 private:
  EndpointStatus& status_;
  EndpointState state_ = EndpointState::kStarting;
};

}  // namespace sluice

#include "topology/endpoint_status.h"

namespace sluice {

namespace {
constexpr auto kErrorRetention = std::chrono::hours(1);
constexpr size_t kMaxErrorsKept = 1000;  // bounds memory when a destination fails fast
}  // namespace

void EndpointStatus::set_state(EndpointState state) {
  std::lock_guard lock(mu_);
  state_ = state;
}

void EndpointStatus::record_success() {
  std::lock_guard lock(mu_);
  last_success_ = std::chrono::system_clock::now();
  state_ = EndpointState::kOk;
}

void EndpointStatus::record_error(ErrorClass c, std::string message) {
  std::lock_guard lock(mu_);
  auto now = std::chrono::system_clock::now();
  errors_.push_back(ErrorEvent{now, c, std::move(message)});
  while (!errors_.empty() &&
         (errors_.size() > kMaxErrorsKept || now - errors_.front().time > kErrorRetention)) {
    errors_.pop_front();
  }
}

void EndpointStatus::set_detail(std::string json) {
  std::lock_guard lock(mu_);
  detail_ = std::move(json);
}

EndpointStatus::Snapshot EndpointStatus::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.state = state_;
  s.detail = detail_;
  s.last_success = last_success_;
  auto now = std::chrono::system_clock::now();
  for (const ErrorEvent& e : errors_) {
    if (now - e.time <= kErrorRetention) s.recent_errors.push_back(e);
  }
  if (!errors_.empty()) s.last_error = errors_.back();
  return s;
}

}  // namespace sluice

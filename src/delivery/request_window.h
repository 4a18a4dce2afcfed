#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace sluice {

// How many requests may be unfinished at once: `concurrency`, or with adaptive concurrency a
// limit that grows by one per `limit` quick successes (latency within twice the best seen),
// shrinks by one when latency passes four times the best, and halves on a failure: additive
// increase, multiplicative decrease, as TCP's congestion window.
class RequestWindow {
 public:
  RequestWindow(uint32_t concurrency, bool adaptive)
      : max_(std::max<uint32_t>(1, concurrency)),
        adaptive_(adaptive),
        limit_(adaptive ? 1 : max_) {}

  [[nodiscard]] uint32_t limit() const { return limit_; }

  void on_success(std::chrono::microseconds rtt) {
    if (!adaptive_) return;
    if (best_rtt_.count() == 0 || rtt < best_rtt_) best_rtt_ = rtt;
    if (rtt > best_rtt_ * 4) {
      limit_ = std::max<uint32_t>(1, limit_ - 1);
      streak_ = 0;
    } else if (rtt <= best_rtt_ * 2 && ++streak_ >= limit_) {
      limit_ = std::min(limit_ + 1, max_);
      streak_ = 0;
    }
  }

  void on_failure() {
    if (!adaptive_) return;
    limit_ = std::max<uint32_t>(1, limit_ / 2);
    streak_ = 0;
  }

 private:
  uint32_t max_;
  bool adaptive_;
  uint32_t limit_;
  uint32_t streak_ = 0;
  std::chrono::microseconds best_rtt_{0};
};

}  // namespace sluice

#pragma once

#include <chrono>
#include <cstdint>
#include <utility>

#include <boost/asio/steady_timer.hpp>

namespace sluice {

// One timer for all of a sink's deadlines (linger, retry, backoff): armed at the earliest asked
// for. A sink's DeliveryHost::wake_at on asio. Lives in the sink's core and runs on its strand.
class WakeTimer {
 public:
  using Clock = std::chrono::steady_clock;

  template <typename Executor>
  explicit WakeTimer(Executor executor) : timer_(executor) {}

  // Calls `fire` at `at`, unless the timer is already armed earlier (then that wake comes first
  // and the owner asks again). `fire` must keep the owner, and so this timer, alive (a
  // shared_ptr to the core); a wait replaced by a later arm() or cancel() does nothing.
  template <typename Fire>
  void arm(Clock::time_point at, Fire fire) {
    if (armed_ && at_ <= at) return;
    armed_ = true;
    at_ = at;
    uint64_t generation = ++generation_;
    timer_.expires_at(at);
    timer_.async_wait(
        [this, generation, fire = std::move(fire)](const boost::system::error_code& ec) mutable {
          if (ec || generation != generation_) return;
          armed_ = false;
          fire();
        });
  }

  void cancel() {
    ++generation_;
    armed_ = false;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  Clock::time_point at_;
  uint64_t generation_ = 0;
};

}  // namespace sluice

#include "net/body_budget.h"

#include <malloc.h>

#include <fmt/format.h>

namespace sluice {

BodyBudget::BodyBudget(uint64_t limit_bytes, uint64_t trim_after_bytes, std::function<void()> trim)
    : limit_(limit_bytes),
      trim_after_(trim_after_bytes),
      trim_(trim ? std::move(trim) : [] { malloc_trim(0); }) {}

bool BodyBudget::try_take(uint64_t n, uint64_t own) {
  uint64_t held = held_.load(std::memory_order_acquire);
  while (true) {
    // `own` is part of `held`: a body alone in the budget may grow past the limit.
    bool alone = held == own;
    if (!alone && (held + n > limit_ || held + n < held)) return false;
    if (held_.compare_exchange_weak(held, held + n, std::memory_order_acq_rel)) break;
  }
  uint64_t now = held + n;
  uint64_t peak = peak_since_trim_.load(std::memory_order_relaxed);
  while (now > peak &&
         !peak_since_trim_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

void BodyBudget::give_back(uint64_t n) {
  uint64_t before = held_.fetch_sub(n, std::memory_order_acq_rel);
  // The last body of a burst is done: hand back what the burst left in the heaps. A body that
  // starts meanwhile only makes the trim keep less.
  if (before == n && peak_since_trim_.load(std::memory_order_relaxed) >= trim_after_ &&
      peak_since_trim_.exchange(0, std::memory_order_relaxed) >= trim_after_) {
    trim_();
  }
}

std::string BodyBudget::refusal_message() const {
  return fmt::format(
      "the request bodies in progress hold {} bytes of the body budget of {} bytes "
      "(body_budget); retry later",
      held(), limit_);
}

}  // namespace sluice

#include "net/body_budget.h"

#include <fmt/format.h>

namespace sluice {

bool BodyBudget::try_take(uint64_t n, uint64_t own) {
  uint64_t held = held_.load(std::memory_order_acquire);
  while (true) {
    // `own` is part of `held`: a body alone in the budget may grow past the limit.
    bool alone = held == own;
    if (!alone && (held + n > limit_ || held + n < held)) return false;
    if (held_.compare_exchange_weak(held, held + n, std::memory_order_acq_rel)) return true;
  }
}

std::string BodyBudget::refusal_message() const {
  return fmt::format(
      "the request bodies in progress hold {} bytes of the body budget of {} bytes "
      "(body_budget); retry later",
      held(), limit_);
}

}  // namespace sluice

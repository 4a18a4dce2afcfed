#include "core/backoff.h"

#include <algorithm>

namespace sluice {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed)
    : base_(base), cap_(std::max(cap, base)), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  // base * 2^attempt, without overflowing once the cap is reached.
  int64_t ceiling = base_.count();
  for (uint32_t i = 0; i < attempt_ && ceiling < cap_.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, cap_.count());
  if (ceiling < cap_.count()) ++attempt_;
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace sluice

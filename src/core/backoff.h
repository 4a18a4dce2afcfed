#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sluice {

// Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
// Jitter"): the n-th delay is uniform in [0, min(cap, base * 2^n)]. Full jitter spreads out the
// reconnects and retries of many endpoints after a shared receiver restarts. Shared by every
// sink (syslog reconnects, HTTP request retries).
class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed);

  // The delay before the next attempt; each call doubles the ceiling up to the cap.
  [[nodiscard]] std::chrono::milliseconds next();
  // The cap itself, for configuration errors: retry slowly, without jitter towards zero.
  [[nodiscard]] std::chrono::milliseconds slow() const { return cap_; }
  // A connection proved healthy: start again from the base.
  void reset() { attempt_ = 0; }
  [[nodiscard]] uint32_t attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_, cap_;
  uint32_t attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace sluice

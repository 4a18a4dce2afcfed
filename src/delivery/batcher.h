#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "delivery/batch_limits.h"
#include "delivery/lease_ledger.h"

namespace sluice {

// Cuts the queue into batches by entries, bytes and linger time (BatchLimits). A batch is whole
// leases of the ledger, oldest first. Single-threaded.
class Batcher {
 public:
  using Clock = std::chrono::steady_clock;

  Batcher(LeaseLedger& ledger, const BatchLimits& limits) : ledger_(ledger), limits_(limits) {}

  // Takes lines into the open batch until it is full or the queue has no more. A take that would
  // overflow the byte limit (the queue does not count line_overhead) goes back and is asked again
  // smaller; a single line larger than the limit goes alone.
  void fill(Clock::time_point now);

  [[nodiscard]] bool empty() const { return lines_ == 0; }
  [[nodiscard]] size_t lines() const { return lines_; }
  // When the open batch has lingered long enough.
  [[nodiscard]] Clock::time_point due() const { return first_at_ + limits_.linger; }
  // The open batch should go now: it is full, it lingered long enough, or a flush wants it.
  [[nodiscard]] bool ready(Clock::time_point now, bool flushing) const {
    return !empty() && (full_ || flushing || now >= due());
  }
  // Hands the open batch out and starts a new one.
  [[nodiscard]] std::vector<LineRange> take();

 private:
  LeaseLedger& ledger_;
  BatchLimits limits_;
  std::vector<LineRange> ranges_;
  size_t lines_ = 0;
  uint64_t bytes_ = 0;  // lines plus line_overhead each
  bool full_ = false;
  Clock::time_point first_at_;
};

}  // namespace sluice

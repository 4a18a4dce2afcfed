#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "queue/endpoint_queue.h"

namespace sluice {

// Emptied leases kept by a sink so the next take() reuses their buffers: a steady stream then
// takes from the queue without allocating.
class LeasePool {
 public:
  explicit LeasePool(size_t keep) : keep_(keep) {}

  Lease take() {
    if (spare_.empty()) return Lease{};
    Lease l = std::move(spare_.back());
    spare_.pop_back();
    return l;
  }
  void give(Lease&& lease) {
    lease.lines.clear();
    if (spare_.size() < keep_) spare_.push_back(std::move(lease));
  }

 private:
  size_t keep_;
  std::vector<Lease> spare_;
};

}  // namespace sluice

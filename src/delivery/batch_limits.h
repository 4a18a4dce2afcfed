#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice {

// A destination's own limits, which clamp the user's batch settings; 0: none. Each endpoint type
// declares them (SinkType::limits); the delivery driver applies them.
struct SinkLimits {
  size_t max_batch_entries = 0;
  uint64_t max_batch_bytes = 0;
  uint64_t max_line_bytes = 0;
};

// How the delivery driver cuts the queue into requests.
struct BatchLimits {
  size_t max_entries = 500;
  uint64_t max_bytes = 1 << 20;
  // Bytes a line costs in a request beyond its own (a separator), counted against max_bytes.
  size_t line_overhead = 1;
  // The longest the first line of a batch waits for more before the batch is sent.
  std::chrono::steady_clock::duration linger = std::chrono::seconds(1);

  // These limits, lowered to the destination's where it has them.
  [[nodiscard]] BatchLimits clamped_to(const SinkLimits& limits) const {
    BatchLimits out = *this;
    if (limits.max_batch_entries > 0 && out.max_entries > limits.max_batch_entries) {
      out.max_entries = limits.max_batch_entries;
    }
    if (limits.max_batch_bytes > 0 && out.max_bytes > limits.max_batch_bytes) {
      out.max_bytes = limits.max_batch_bytes;
    }
    if (out.max_entries == 0) out.max_entries = 1;
    if (out.max_bytes == 0) out.max_bytes = 1;
    return out;
  }
};

}  // namespace sluice

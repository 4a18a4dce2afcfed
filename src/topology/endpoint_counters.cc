#include "topology/endpoint_counters.h"

namespace sluice {

void EndpointCounters::observe_batch_latency(std::chrono::steady_clock::duration d) {
  double seconds = std::chrono::duration<double>(d).count();
  size_t bucket = 0;
  while (bucket < std::size(kLatencyBuckets) && seconds > kLatencyBuckets[bucket]) ++bucket;
  latency_bucket[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_count.fetch_add(1, std::memory_order_relaxed);
  latency_sum_usec.fetch_add(
      uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(d).count()),
      std::memory_order_relaxed);
}

}  // namespace sluice

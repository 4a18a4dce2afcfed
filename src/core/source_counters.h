#pragma once

#include <atomic>
#include <cstdint>

namespace sluice {

// Counters of one source, for /metrics and /status. Updated by the source's connections on any
// ingest thread.
struct SourceCounters {
  std::atomic<uint64_t> messages{0};  // messages (frames, lines) received
  std::atomic<uint64_t> rejected{0};  // messages that were not a valid log statement or record
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> refused{0};      // connections closed at once: max_connections reached
  std::atomic<uint64_t> idle_closed{0};  // connections closed after idle_timeout
  // HTTP requests answered 503 because the bodies in progress held the whole body_budget.
  std::atomic<uint64_t> bodies_refused{0};
};

}  // namespace sluice

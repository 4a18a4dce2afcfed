#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "delivery/lease_ledger.h"

namespace sluice {

// A built request: what the service sends.
struct Payload {
  std::shared_ptr<const std::string> body;  // shared with the service's thread while in flight
  uint64_t raw_bytes = 0;                   // the lines as framed, before compression
};

// A request a planner chose and built: its lines, in the order a Verdict's indexes count them.
struct PlannedRequest {
  std::vector<LineRange> lines;
  Payload payload;
};

// Chooses which lines go into each request, for a destination that spreads a stream over
// partitions with limits of their own (Kinesis shards; Kafka partitions later). Without one, the
// delivery driver cuts the queue into batches in order and resends a failed request as it was.
// With one, a failed request's lines go back to the planner, which sends them again in a later
// request of its choosing, so one throttled partition holds up nothing else.
class RequestPlanner {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~RequestPlanner() = default;
  // Takes lines from the ledger's queue while the planner has room for them.
  virtual void fill(LeaseLedger& ledger, Clock::time_point now) = 0;
  // The next request `id`, planned and built. nullopt when nothing may go now; then `due` is
  // lowered to when something may (left alone when only new lines or an answer can change it).
  // An error (the request could not be built) leaves every line with the planner.
  [[nodiscard]] virtual Result<std::optional<PlannedRequest>> plan(uint64_t id,
                                                                   Clock::time_point now,
                                                                   bool flushing,
                                                                   Clock::time_point& due) = 0;
  // Request `id` is settled: the lines at `failed` (indexes into its lines, ascending) are to be
  // sent again; the others are finished (delivered or dead-lettered) and the planner forgets
  // them. Called once per request, including with `failed` empty.
  virtual void settled(uint64_t id, std::span<const uint32_t> failed, Clock::time_point now) = 0;
};

}  // namespace sluice

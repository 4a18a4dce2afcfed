#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "queue/endpoint_queue.h"
#include "queue/lease_pool.h"
#include "topology/endpoint_counters.h"

namespace sluice {

// Lines [first, first + count) of the ledger's lease `lease`.
struct LineRange {
  uint64_t lease = 0;
  uint32_t first = 0;
  uint32_t count = 0;
};

// The leases a sink holds, in the order it took them, and which of their lines are finished
// (delivered, dead-lettered or expired). A lease is acknowledged to the queue only once all its
// lines and all older leases are finished, whatever order requests complete in: a disk queue
// trims its log by acknowledgement, so an ack out of order would lose the older lines in a crash.
// Leases are named by an id that counts takes; it is never reused. Single-threaded.
class LeaseLedger {
 public:
  using Clock = std::chrono::steady_clock;

  LeaseLedger(EndpointQueue& queue, EndpointCounters& counters)
      : queue_(queue), counters_(counters) {}

  // Takes up to max_lines / max_bytes lines from the queue into a new lease; nullopt when the
  // queue has none.
  [[nodiscard]] std::optional<uint64_t> take(size_t max_lines, size_t max_bytes,
                                             Clock::time_point now);
  // Hands the newest `count` leases back to the front of the queue, newest first (they did not
  // fit a batch, or their request could not be built). None of their lines may be finished.
  void give_back_newest(size_t count);

  [[nodiscard]] const Lease& lease(uint64_t id) const { return at(id).lease; }
  [[nodiscard]] const LineBatch& lines(uint64_t id) const { return at(id).lease.lines; }

  // Marks lines finished. Finishing a line twice is harmless.
  void finish(const LineRange& range);
  // Acknowledges, oldest first, every lease whose lines are all finished and whose older leases
  // are gone; observes each one's latency from take to ack. Returns how many went.
  size_t settle(Clock::time_point now);
  // On stop: newest first, each lease's finished prefix is acknowledged and the rest goes back to
  // the front of the queue, so the oldest line is first again. The ledger is empty afterwards.
  void release_all();

  [[nodiscard]] size_t size() const { return held_.size(); }
  [[nodiscard]] bool empty() const { return held_.empty(); }

 private:
  struct Held {
    Lease lease;
    size_t outstanding = 0;
    std::vector<uint8_t> done;  // by line; empty until a lease is finished in parts
    Clock::time_point taken_at;
  };

  [[nodiscard]] Held& at(uint64_t lease) { return held_[lease - base_]; }
  [[nodiscard]] const Held& at(uint64_t lease) const { return held_[lease - base_]; }
  [[nodiscard]] static size_t finished_prefix(const Held& h);

  EndpointQueue& queue_;
  EndpointCounters& counters_;
  std::deque<Held> held_;
  uint64_t base_ = 0;  // the id of held_.front()
  LeasePool pool_{16};
};

}  // namespace sluice

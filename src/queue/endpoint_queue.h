#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "config/config.h"
#include "queue/line_batch.h"

namespace sluice {

// Lines taken from a queue by a sink and not yet acknowledged. Lines stay owned by the queue's
// accounting until ack() (delivered: gone) or nack() (back to the front, in order).
struct Lease {
  uint64_t id = 0;
  LineBatch lines;
};

struct PushResult {
  size_t accepted = 0;        // lines now in the queue
  size_t dropped_newest = 0;  // drop_newest: lines of this batch that did not fit
  size_t dropped_oldest = 0;  // drop_oldest: queued lines evicted to make room
  bool full = false;  // block: the queue is full; the rest of the batch stays with the caller
};

struct QueueDepth {
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t leased_lines = 0;
};

// An endpoint's queue. Producers are source threads; the consumer is the endpoint's sink.
// Memory and disk implementations share this interface, so sinks do not know which they use.
// Thread-safe.
class EndpointQueue {
 public:
  virtual ~EndpointQueue() = default;

  // Appends lines from the front of `batch`, removing those it took. With when_full = block a
  // full queue takes what fits and sets `full`; the caller keeps the rest and tries again.
  virtual PushResult push(LineBatch& batch) = 0;

  // Takes up to max_lines / max_bytes lines (at least one line if any is queued, even a large
  // one) into `out`. Returns false when nothing is available.
  virtual bool take(size_t max_lines, size_t max_bytes, Lease& out) = 0;
  // The first `count` lines of the lease were delivered; the rest go back to the front.
  virtual void ack(Lease& lease, size_t count) = 0;
  void ack(Lease& lease) { ack(lease, lease.lines.size()); }
  // None were delivered: all go back to the front, ahead of newer lines.
  void nack(Lease& lease) { ack(lease, 0); }

  // Called, from a producer's thread, when lines arrive in an empty queue. The sink uses it to
  // wake up; it must only post work to its own executor.
  virtual void set_data_callback(std::function<void()> callback) = 0;
  // Called when space frees up after a push reported `full`; sources use it to resume.
  virtual void set_space_callback(std::function<void()> callback) = 0;

  [[nodiscard]] virtual QueueDepth depth() const = 0;
};

// The in-memory queue, bounded in bytes.
[[nodiscard]] std::unique_ptr<EndpointQueue> make_memory_queue(uint64_t max_bytes, WhenFull policy);

}  // namespace sluice

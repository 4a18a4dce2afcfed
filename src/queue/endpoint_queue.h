#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "queue/line_batch.h"
#include "queue/queue_policy.h"

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

// What a disk-backed queue reports beyond its depth (/metrics, /status, `sluice queue inspect`).
struct StorageStats {
  uint64_t bytes_on_disk = 0;  // segment files, acknowledged-but-kept (keep_acked) included
  uint64_t unacked_bytes = 0;  // framed bytes not yet acknowledged, counted against max_bytes
  uint64_t segments = 0;
  uint64_t recovered_torn_records = 0;   // torn last records cut off at start
  uint64_t corrupt_records_skipped = 0;  // damaged runs skipped (bad checksum or framing)
  uint64_t corrupt_bytes_skipped = 0;
  uint64_t disk_full_errors = 0;  // appends refused with ENOSPC
  uint64_t write_errors = 0;      // other write, fsync or file errors
  uint64_t dead_letter_lines = 0;
  bool disk_full = false;  // the last append failed for lack of space
  std::string last_error;
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

  // Calls `done` once every line pushed before this call is durable at the queue's level: at
  // once for the memory queue, and for a disk queue unless fsync = always, where it runs after
  // the next fsync, on the queue's flusher thread. A source acknowledges its client from `done`.
  virtual void when_durable(std::function<void()> done) { done(); }
  // True for a queue that keeps lines across a crash (disk). Lines a source still holds for a
  // full durable queue are not yet safe, so it must not acknowledge them.
  [[nodiscard]] virtual bool durable() const { return false; }

  // Lines [first, first + count) of `lease` failed permanently. A disk queue keeps them in a
  // dead-letter segment for `sluice queue inspect/replay`; the memory queue has nowhere to keep
  // them. The sink still acks them afterwards, and counts them as dropped.
  virtual void dead_letter(const Lease& lease, size_t first, size_t count) {}

  [[nodiscard]] virtual std::optional<StorageStats> storage_stats() const { return std::nullopt; }
};

// The in-memory queue, bounded in bytes.
[[nodiscard]] std::unique_ptr<EndpointQueue> make_memory_queue(uint64_t max_bytes, WhenFull policy);

}  // namespace sluice

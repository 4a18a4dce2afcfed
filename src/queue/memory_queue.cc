#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "queue/endpoint_queue.h"

namespace sluice {
namespace {

// The in-memory endpoint queue.
//
// Ready lines wait in a deque of chunks (whole batches handed over by producers, swapped in
// rather than copied). A take() copies lines into the sink's Lease and forgets them except for
// their size: the Lease carries the data back on ack(lease, count) when some lines must be
// retried, and those go back to the front. Returning several leases newest first therefore
// keeps the original order.
class MemoryQueue final : public EndpointQueue {
 public:
  MemoryQueue(uint64_t max_bytes, WhenFull policy) : max_bytes_(max_bytes), policy_(policy) {}

  PushResult push(LineBatch& batch) override {
    PushResult result;
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (batch.empty()) return result;
      uint64_t room = total_bytes() >= max_bytes_ ? 0 : max_bytes_ - total_bytes();
      if (batch.byte_size() <= room) {
        result.accepted = batch.size();
        append_whole(batch);
      } else {
        if (policy_ == WhenFull::kDropOldest) {
          result.dropped_oldest = evict_oldest(batch.byte_size() - room);
          room = total_bytes() >= max_bytes_ ? 0 : max_bytes_ - total_bytes();
        }
        size_t fit = 0;
        while (fit < batch.size() && batch.bytes_before(fit + 1) <= room) ++fit;
        // An empty queue takes one line even if it alone exceeds the bound; otherwise a line
        // longer than the whole queue could never be delivered.
        if (fit == 0 && total_bytes() == 0) fit = 1;
        append_prefix(batch, fit);
        result.accepted = fit;
        if (policy_ == WhenFull::kBlock) {
          result.full = fit < batch.size();
          full_reported_ = full_reported_ || result.full;
          batch.drop_front(fit);
        } else {
          result.dropped_newest = batch.size() - fit;
          batch.clear();
        }
      }
      if (result.accepted > 0 && consumer_waiting_ && data_callback_) {
        consumer_waiting_ = false;
        wake = data_callback_;
      }
    }
    if (wake) wake();
    return result;
  }

  bool take(size_t max_lines, size_t max_bytes, Lease& out) override {
    std::lock_guard lock(mu_);
    out.lines.clear();
    while (!ready_.empty() && out.lines.size() < max_lines) {
      Chunk& c = ready_.front();
      std::string_view line = c.batch.line(c.head);
      if (!out.lines.empty() && out.lines.byte_size() + line.size() > max_bytes) break;
      out.lines.add(line);
      ready_bytes_ -= line.size();
      ++c.head;
      --ready_lines_;
      if (c.head == c.batch.size()) recycle_front();
    }
    if (out.lines.empty()) {
      consumer_waiting_ = true;
      return false;
    }
    out.id = ++last_lease_id_;
    leased_bytes_ += out.lines.byte_size();
    leased_lines_ += out.lines.size();
    return true;
  }

  void ack(Lease& lease, size_t count) override {
    std::function<void()> space;
    {
      std::lock_guard lock(mu_);
      size_t n = lease.lines.size();
      if (count > n) count = n;
      leased_bytes_ -= lease.lines.byte_size();
      leased_lines_ -= n;
      if (count < n) {
        // Back to the front, ahead of everything newer.
        lease.lines.drop_front(count);
        ready_bytes_ += lease.lines.byte_size();
        ready_lines_ += lease.lines.size();
        Chunk c;
        c.batch.swap(lease.lines);
        ready_.push_front(std::move(c));
      }
      lease.lines.clear();
      if (full_reported_ && total_bytes() < max_bytes_) {
        full_reported_ = false;
        space = space_callback_;
      }
    }
    if (space) space();
  }

  void set_data_callback(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    data_callback_ = std::move(callback);
  }
  void set_space_callback(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    space_callback_ = std::move(callback);
  }

  QueueDepth depth() const override {
    std::lock_guard lock(mu_);
    return QueueDepth{ready_lines_ + leased_lines_, total_bytes(), leased_lines_};
  }

 private:
  struct Chunk {
    LineBatch batch;
    size_t head = 0;  // first line not yet taken
  };

  uint64_t total_bytes() const { return ready_bytes_ + leased_bytes_; }

  LineBatch spare_batch() {
    LineBatch b;
    if (!pool_.empty()) {
      b.swap(pool_.back());
      pool_.pop_back();
    }
    return b;
  }

  void append_whole(LineBatch& batch) {
    ready_bytes_ += batch.byte_size();
    ready_lines_ += batch.size();
    Chunk c;
    c.batch.swap(batch);  // the producer gets back an empty batch with capacity, if pooled
    LineBatch spare = spare_batch();
    batch.swap(spare);
    ready_.push_back(std::move(c));
  }

  void append_prefix(const LineBatch& batch, size_t n) {
    if (n == 0) return;
    Chunk c;
    c.batch = spare_batch();
    for (size_t i = 0; i < n; ++i) c.batch.add(batch.line(i));
    ready_bytes_ += c.batch.byte_size();
    ready_lines_ += n;
    ready_.push_back(std::move(c));
  }

  // Removes the oldest ready lines until `need` bytes are free or nothing is left to evict.
  size_t evict_oldest(uint64_t need) {
    size_t evicted = 0;
    uint64_t freed = 0;
    while (freed < need && !ready_.empty()) {
      Chunk& c = ready_.front();
      size_t size = c.batch.line(c.head).size();
      freed += size;
      ready_bytes_ -= size;
      --ready_lines_;
      ++evicted;
      if (++c.head == c.batch.size()) recycle_front();
    }
    return evicted;
  }

  void recycle_front() {
    LineBatch b;
    b.swap(ready_.front().batch);
    ready_.pop_front();
    b.clear();
    if (pool_.size() < 8) pool_.push_back(std::move(b));
  }

  const uint64_t max_bytes_;
  const WhenFull policy_;
  mutable std::mutex mu_;
  std::deque<Chunk> ready_;
  std::vector<LineBatch> pool_;
  uint64_t ready_bytes_ = 0, ready_lines_ = 0;
  uint64_t leased_bytes_ = 0, leased_lines_ = 0;
  uint64_t last_lease_id_ = 0;
  bool consumer_waiting_ = true;
  bool full_reported_ = false;
  std::function<void()> data_callback_;
  std::function<void()> space_callback_;
};

}  // namespace

std::unique_ptr<EndpointQueue> make_memory_queue(uint64_t max_bytes, WhenFull policy) {
  return std::make_unique<MemoryQueue>(max_bytes, policy);
}

}  // namespace sluice

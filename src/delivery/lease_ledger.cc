#include "delivery/lease_ledger.h"

#include <algorithm>

namespace sluice {

std::optional<uint64_t> LeaseLedger::take(size_t max_lines, size_t max_bytes,
                                          Clock::time_point now) {
  Lease lease = pool_.take();
  if (!queue_.take(max_lines, max_bytes, lease)) {
    pool_.give(std::move(lease));
    return std::nullopt;
  }
  size_t n = lease.lines.size();
  held_.push_back(Held{std::move(lease), n, {}, now});
  return base_ + held_.size() - 1;
}

void LeaseLedger::give_back_newest(size_t count) {
  for (; count > 0 && !held_.empty(); --count) {
    Held& h = held_.back();
    queue_.nack(h.lease);
    pool_.give(std::move(h.lease));
    held_.pop_back();
  }
}

void LeaseLedger::finish(const LineRange& range) {
  Held& h = at(range.lease);
  if (h.outstanding == 0) return;
  size_t n = h.lease.lines.size();
  if (h.done.empty()) {
    if (range.first == 0 && range.count >= n) {
      h.outstanding = 0;  // the common case: a whole lease in one request
      return;
    }
    h.done.assign(n, 0);
  }
  size_t end = std::min<size_t>(n, size_t(range.first) + range.count);
  for (size_t i = range.first; i < end; ++i) {
    if (h.done[i] == 0) {
      h.done[i] = 1;
      --h.outstanding;
    }
  }
}

size_t LeaseLedger::settle(Clock::time_point now) {
  size_t acked = 0;
  while (!held_.empty() && held_.front().outstanding == 0) {
    Held& h = held_.front();
    counters_.observe_batch_latency(now - h.taken_at);
    queue_.ack(h.lease);
    pool_.give(std::move(h.lease));
    held_.pop_front();
    ++base_;
    ++acked;
  }
  return acked;
}

size_t LeaseLedger::finished_prefix(const Held& h) {
  if (h.outstanding == 0) return h.lease.lines.size();
  size_t prefix = 0;
  while (prefix < h.done.size() && h.done[prefix] != 0) ++prefix;
  return prefix;
}

void LeaseLedger::release_all() {
  const uint64_t next_id = base_ + held_.size();
  while (!held_.empty()) {
    Held& h = held_.back();
    // Lines finished after an unfinished one go back too and are sent again after a restart:
    // at least once, never lost.
    queue_.ack(h.lease, finished_prefix(h));
    held_.pop_back();
  }
  base_ = next_id;  // ids are never reused
}

}  // namespace sluice

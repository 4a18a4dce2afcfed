#include "delivery/batcher.h"

namespace sluice {

void Batcher::fill(Clock::time_point now) {
  const size_t max_lines = limits_.max_entries;
  const uint64_t max_bytes = limits_.max_bytes;
  while (!full_ && lines_ < max_lines && bytes_ < max_bytes) {
    uint64_t budget = max_bytes - bytes_;
    while (true) {
      auto id = ledger_.take(max_lines - lines_, size_t(budget), now);
      if (!id) return;
      const LineBatch& lines = ledger_.lines(*id);
      size_t n = lines.size();
      uint64_t cost = lines.byte_size() + uint64_t(n) * limits_.line_overhead;
      if (bytes_ + cost <= max_bytes || (lines_ == 0 && n == 1)) {
        if (lines_ == 0) first_at_ = now;
        ranges_.push_back(LineRange{*id, 0, uint32_t(n)});
        lines_ += n;
        bytes_ += cost;
        if (bytes_ >= max_bytes) full_ = true;
        break;
      }
      ledger_.give_back_newest(1);
      if (n == 1 || budget <= n) {
        full_ = true;  // the next line does not fit: send what we have
        return;
      }
      budget -= n;
    }
  }
  if (lines_ >= max_lines) full_ = true;
}

std::vector<LineRange> Batcher::take() {
  std::vector<LineRange> out = std::move(ranges_);
  ranges_.clear();
  lines_ = 0;
  bytes_ = 0;
  full_ = false;
  return out;
}

}  // namespace sluice

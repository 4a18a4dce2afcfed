#include "core/rate_limited_log.h"

namespace sluice {

bool RateLimitedLog::claim() {
  int64_t now = to_ns(std::chrono::steady_clock::now().time_since_epoch());
  int64_t next = next_allowed_ns_.load(std::memory_order_relaxed);
  // One thread wins the slot; the others count themselves as suppressed.
  if (now < next || !next_allowed_ns_.compare_exchange_strong(next, now + interval_ns_)) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    suppressed_total_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void RateLimitedLog::emit(std::string_view line) {
  uint64_t suppressed = suppressed_.exchange(0);
  written_.fetch_add(1, std::memory_order_relaxed);
  std::string text = prefix_ + ": ";
  append_log_escaped(text, line);
  if (suppressed > 0) {
    fmt::format_to(std::back_inserter(text), " ({} more suppressed since the last report)",
                   suppressed);
  }
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace sluice

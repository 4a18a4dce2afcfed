#pragma once

#include <algorithm>
#include <chrono>

namespace sluice {

// The sending rate of one shard: a token bucket for records and one for bytes, refilled at the
// shard's write limits times an AIMD factor. sluice shapes itself to the limits instead of
// learning them from errors; when the shard throttles anyway (other producers, a lower limit
// than configured), the factor drops multiplicatively, in proportion to the share refused and
// at most once per second since one overflow refuses a whole burst, and it climbs back
// additively while the shard accepts.
//
// A cut never goes below a little under what the shard accepted over the last one to two
// seconds. A stall of either side (a paused VM, a garbage collection in the peer) bunches calls
// into one of the shard's windows, which then refuses a large share once although the shard
// takes the full rate: cut by that share alone, the rate would halve and take many seconds to
// climb back.
//
// The buckets hold at most `burst` seconds of sending. Kinesis counts writes in one-second
// windows; a bucket as deep as one second lets up to twice the limit land in a window (a full
// bucket plus a second of refill), so the burst stays a fraction of a second.
class ShardRate {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    double records_per_second = 1000;
    double bytes_per_second = 1000 * 1000;
  };
  static constexpr double kBurstSeconds = 0.1;
  static constexpr double kMinFactor = 0.05;
  static constexpr double kMinCut = 0.02;             // the least a throttle takes off the factor
  static constexpr double kMaxCut = 0.5;              // the least of the factor a throttle keeps
  static constexpr double kIncreasePerSecond = 0.03;  // regained per second without one
  static constexpr double kUnderAccepted = 0.97;      // a cut keeps this much of what was taken

  ShardRate(Limits limits, Clock::time_point now)
      : limits_(limits), last_(now), last_cut_(now), window_start_(now), previous_start_(now) {
    records_ = capacity_records();
    bytes_ = capacity_bytes();
  }

  // Whether a send of `records` records and `bytes` bytes may go now. An empty bucket still lets
  // one record through when it is full (a record larger than the burst must go eventually).
  [[nodiscard]] bool allows(double records, double bytes, Clock::time_point now) {
    refill(now);
    if (records_ >= records && bytes_ >= bytes) return true;
    return records_ >= capacity_records() && bytes_ >= capacity_bytes() && records <= 1;
  }
  // Records worth one call when the shard is held back: half the burst.
  [[nodiscard]] double batch_records() const { return std::max(1.0, capacity_records() / 2); }
  void take(double records, double bytes) {
    records_ -= records;
    bytes_ -= bytes;
  }
  // How long until `records` and `bytes` will be allowed.
  [[nodiscard]] Clock::duration wait_for(double records, double bytes) const {
    double r = records > records_ ? (records - records_) / rate_records() : 0;
    double b = std::min(bytes, capacity_bytes());
    double by = b > bytes_ ? (b - bytes_) / rate_bytes() : 0;
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::max(r, by) + 0.001));
  }

  // The shard answered a call: it refused `throttled` of the `sent` records. At most once a
  // second, and only after a refusal, the factor is cut in proportion to the share refused since
  // the last cut (at least kMinCut, keeping at least kMaxCut): a shard that refuses a few records
  // at the edge of its limit loses a few percent, one that refuses half (a lower limit than
  // configured) halves at once. Counting over the whole second, not per call, keeps one small
  // call with a refusal from halving the rate. The cut stops at kUnderAccepted of the records
  // per second the shard accepted lately (see above), but always takes kMinCut at least.
  // `accepted`: the records the shard stored (the rest of `sent` failed in other ways).
  void on_result(size_t sent, size_t throttled, size_t accepted, Clock::time_point now) {
    throttled_ += throttled;
    sent_since_cut_ += sent;
    throttled_since_cut_ += throttled;
    count_accepted(accepted, now);
    if (throttled_since_cut_ == 0 || now - last_cut_ < std::chrono::seconds(1)) return;
    refill(now);
    double share =
        double(throttled_since_cut_) / double(std::max(sent_since_cut_, throttled_since_cut_));
    double keep = std::clamp(1.0 - 1.5 * share, kMaxCut, 1.0 - kMinCut);
    double taken = kUnderAccepted * accepted_per_second(now) / limits_.records_per_second;
    factor_ =
        std::max(kMinFactor, std::min(factor_ * (1.0 - kMinCut), std::max(factor_ * keep, taken)));
    last_cut_ = now;
    sent_since_cut_ = throttled_since_cut_ = 0;
    // What was over the limit is spent: start from an empty bucket.
    records_ = std::min(records_, 0.0);
    bytes_ = std::min(bytes_, 0.0);
  }

  [[nodiscard]] double factor() const { return factor_; }
  [[nodiscard]] double rate_records() const { return limits_.records_per_second * factor_; }
  [[nodiscard]] double rate_bytes() const { return limits_.bytes_per_second * factor_; }
  [[nodiscard]] uint64_t throttled() const { return throttled_; }

 private:
  [[nodiscard]] double capacity_records() const {
    return std::max(1.0, rate_records() * kBurstSeconds);
  }
  [[nodiscard]] double capacity_bytes() const { return rate_bytes() * kBurstSeconds; }

  // Accepted records in one-second windows, the current one and the one before it.
  void count_accepted(size_t accepted, Clock::time_point now) {
    if (now - window_start_ >= std::chrono::seconds(1)) {
      previous_start_ = window_start_;
      previous_accepted_ = window_accepted_;
      window_start_ = now;
      window_accepted_ = 0;
    }
    window_accepted_ += accepted;
  }
  // Over the previous window and the current one: one to two seconds (longer after an idle
  // spell, which only lowers it; 0 before a full second was seen).
  [[nodiscard]] double accepted_per_second(Clock::time_point now) const {
    double seconds = std::chrono::duration<double>(now - previous_start_).count();
    if (seconds < 1.0) return 0;
    return double(previous_accepted_ + window_accepted_) / seconds;
  }

  void refill(Clock::time_point now) {
    double dt = std::chrono::duration<double>(now - last_).count();
    if (dt <= 0) return;
    last_ = now;
    if (factor_ < 1.0 && now - last_cut_ > std::chrono::seconds(1)) {
      factor_ = std::min(1.0, factor_ + kIncreasePerSecond * dt);
    }
    records_ = std::min(capacity_records(), records_ + rate_records() * dt);
    bytes_ = std::min(capacity_bytes(), bytes_ + rate_bytes() * dt);
  }

  Limits limits_;
  double factor_ = 1.0;
  double records_ = 0;
  double bytes_ = 0;
  Clock::time_point last_;
  Clock::time_point last_cut_;
  uint64_t throttled_ = 0;
  uint64_t sent_since_cut_ = 0;
  uint64_t throttled_since_cut_ = 0;
  Clock::time_point window_start_;
  Clock::time_point previous_start_;
  uint64_t window_accepted_ = 0;
  uint64_t previous_accepted_ = 0;
};

}  // namespace sluice

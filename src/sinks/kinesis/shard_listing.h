#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/backoff.h"
#include "core/error_code.h"
#include "core/result.h"
#include "sinks/kinesis/shard_map.h"

namespace sluice {

// When the stream's shards are listed, and a listing's pages gathered into a map: at start, every
// `refresh`, soon after the map proved stale (at most once a second: a reshard mispredicts many
// records at once), and after a failure, with backoff (a configuration error at the cap). No I/O
// and no clock: the sink sends the ListShards pages and passes time in.
class ShardListing {
 public:
  using Clock = std::chrono::steady_clock;

  ShardListing(Clock::duration refresh, Backoff backoff)
      : refresh_(refresh), backoff_(std::move(backoff)) {}

  // Whether a listing should begin now: one is due and none is under way.
  [[nodiscard]] bool due(Clock::time_point now) const { return !listing_ && now >= next_; }
  // When the next listing is due; max while one is under way or none is planned.
  [[nodiscard]] Clock::time_point next() const { return next_; }
  [[nodiscard]] bool listing() const { return listing_; }
  // When the map in use was listed; nullopt before the first.
  [[nodiscard]] std::optional<Clock::time_point> listed_at() const { return listed_at_; }

  // The map may be stale: list again as soon as allowed. Returns when that is.
  Clock::time_point soon(Clock::time_point now);
  // A listing could not begin (no credentials yet): begin it once it can.
  void postpone(Clock::time_point now) { next_ = std::min(next_, now); }

  // A listing begins; its first page is asked for without a token.
  void begin(Clock::time_point now);
  // A page arrived; returns the token of the next page to ask for, or nullopt when it was the
  // last (then finish()).
  [[nodiscard]] std::optional<std::string> add_page(ListShardsPage page);
  // The last page arrived: the map, or why it is not one (a gap mid-reshard), which counts as a
  // failure.
  [[nodiscard]] Result<ShardMap> finish(Clock::time_point now);
  // The listing failed: the next one after a backoff, at least 200 ms. Returns when.
  Clock::time_point failed(ErrorClass error_class, Clock::time_point now);

 private:
  Clock::duration refresh_;
  Backoff backoff_;
  bool listing_ = false;
  std::vector<ShardInfo> pages_;  // of the listing under way
  std::optional<Clock::time_point> listed_at_;
  Clock::time_point began_at_;
  Clock::time_point next_ = Clock::time_point::min();  // the first listing is due at once
};

}  // namespace sluice

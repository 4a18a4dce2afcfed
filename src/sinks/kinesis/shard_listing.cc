#include "sinks/kinesis/shard_listing.h"

#include <algorithm>

namespace sluice {

ShardListing::Clock::time_point ShardListing::soon(Clock::time_point now) {
  next_ = std::min(next_, std::max(now, began_at_ + std::chrono::seconds(1)));
  return next_;
}

void ShardListing::begin(Clock::time_point now) {
  listing_ = true;
  began_at_ = now;
  next_ = Clock::time_point::max();
  pages_.clear();
}

std::optional<std::string> ShardListing::add_page(ListShardsPage page) {
  for (ShardInfo& s : page.shards) pages_.push_back(std::move(s));
  if (page.next_token.empty()) return std::nullopt;
  return std::move(page.next_token);
}

Result<ShardMap> ShardListing::finish(Clock::time_point now) {
  listing_ = false;
  auto map = ShardMap::build(std::move(pages_));
  pages_.clear();
  if (!map) {
    failed(ErrorClass::kRetryable, now);
    return map;
  }
  listed_at_ = now;
  backoff_.reset();
  next_ = now + refresh_;
  return map;
}

ShardListing::Clock::time_point ShardListing::failed(ErrorClass error_class,
                                                     Clock::time_point now) {
  listing_ = false;
  pages_.clear();
  std::chrono::milliseconds delay =
      error_class == ErrorClass::kConfiguration ? backoff_.slow() : backoff_.next();
  next_ = now + std::max(delay, std::chrono::milliseconds(200));
  return next_;
}

}  // namespace sluice

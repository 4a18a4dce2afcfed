// When shards are listed and how pages become a map, with time passed in.
#include "sinks/kinesis/shard_listing.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr HashKey kTop = ~HashKey(0);

ShardListing listing() {
  return ShardListing(seconds(60), Backoff(milliseconds(100), seconds(30), 7));
}

ListShardsPage page(std::vector<ShardInfo> shards, std::string token) {
  return ListShardsPage{std::move(shards), std::move(token)};
}

TEST(KinesisShardListing, PagesBecomeAMapAndTheNextListingIsARefreshAway) {
  Clock::time_point t0 = Clock::time_point{} + seconds(1000);
  ShardListing l = listing();
  EXPECT_TRUE(l.due(t0));  // the first is due at once
  l.begin(t0);
  EXPECT_FALSE(l.due(t0 + seconds(500)));  // one is under way
  auto token = l.add_page(page({{"shard-0", 0, kTop / 2, true}}, "more"));
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(*token, "more");
  EXPECT_FALSE(l.add_page(page({{"shard-1", kTop / 2 + 1, kTop, true}}, "")).has_value());
  auto map = l.finish(t0 + seconds(1));
  ASSERT_TRUE(map) << map.error().message();
  EXPECT_EQ(map->open().size(), 2u);
  EXPECT_EQ(l.listed_at(), t0 + seconds(1));
  EXPECT_EQ(l.next(), t0 + seconds(61));
  EXPECT_FALSE(l.due(t0 + seconds(60)));
  EXPECT_TRUE(l.due(t0 + seconds(61)));
}

TEST(KinesisShardListing, AStaleMapIsListedSoonButAtMostOnceASecond) {
  Clock::time_point t0 = Clock::time_point{} + seconds(1000);
  ShardListing l = listing();
  l.begin(t0);
  (void)l.add_page(page({{"shard-0", 0, kTop, true}}, ""));
  ASSERT_TRUE(l.finish(t0 + milliseconds(100)));
  EXPECT_EQ(l.soon(t0 + milliseconds(300)), t0 + seconds(1));  // a second after the last began
  EXPECT_EQ(l.soon(t0 + seconds(5)), t0 + seconds(1));         // already planned earlier
  l.begin(t0 + seconds(5));
  (void)l.add_page(page({{"shard-0", 0, kTop, true}}, ""));
  ASSERT_TRUE(l.finish(t0 + seconds(5)));
  EXPECT_EQ(l.soon(t0 + seconds(9)), t0 + seconds(9));  // long enough ago: now
}

TEST(KinesisShardListing, FailuresBackOffAndAGapIsAFailure) {
  Clock::time_point t0 = Clock::time_point{} + seconds(1000);
  ShardListing l = listing();
  l.begin(t0);
  // Mid-reshard: the open shards leave a gap in the hash space.
  (void)l.add_page(page({{"shard-0", 0, kTop / 4, true}}, ""));
  auto map = l.finish(t0);
  EXPECT_FALSE(map);
  EXPECT_FALSE(l.listing());
  EXPECT_GE(l.next(), t0 + milliseconds(200));  // never sooner than 200 ms
  EXPECT_LE(l.next(), t0 + milliseconds(200));  // the first backoff is at most 100 ms
  l.begin(t0 + seconds(1));
  EXPECT_GE(l.failed(ErrorClass::kConfiguration, t0 + seconds(1)), t0 + seconds(16));  // the cap
  l.postpone(t0 + seconds(2));  // no credentials yet: list once there are
  EXPECT_TRUE(l.due(t0 + seconds(2)));
}

}  // namespace
}  // namespace sluice

// The kinesis shard scheduler, table by table: placement, planning within rates and limits, rate
// feedback, and resharding. Time is a value; a writer records what a call would hold.
#include "sinks/kinesis/shard_scheduler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const HashKey kHalf = kMaxHashKey / 2;

ShardMap two_shards(std::string a = "shard-a", std::string b = "shard-b") {
  return ShardMap::build({ShardInfo{a, 0, kHalf, true}, ShardInfo{b, kHalf + 1, kMaxHashKey, true}})
      .value();
}

ShardMap one_shard(std::string id) {
  return ShardMap::build({ShardInfo{id, 0, kMaxHashKey, true}}).value();
}

// Records the records a call was given; aggregates `per_record` entries of 10 bytes each.
class RecordingWriter : public ShardScheduler::CallWriter {
 public:
  explicit RecordingWriter(const ShardScheduler* scheduler = nullptr, size_t per_record = 1)
      : scheduler_(scheduler), per_record_(per_record) {}
  size_t plan_aggregate(const std::deque<uint32_t>& pending, size_t& take) override {
    take = 0;
    for (uint32_t id : pending) {
      if (take == per_record_ || (scheduler_ && scheduler_->isolated(id))) break;
      ++take;
    }
    return take * 10;
  }
  void write_record(uint32_t lane, std::span<const uint32_t> ids, bool aggregated) override {
    records.push_back({lane, std::vector<uint32_t>(ids.begin(), ids.end()), aggregated});
  }
  struct Written {
    uint32_t lane;
    std::vector<uint32_t> ids;
    bool aggregated;
  };
  std::vector<Written> records;

 private:
  const ShardScheduler* scheduler_;
  size_t per_record_;
};

ShardScheduler::Options options(bool keyed = false, size_t max_records = 500) {
  ShardScheduler::Options o;
  o.keyed = keyed;
  o.limits = ShardRate::Limits{1000, 1000 * 1000};
  o.max_records = max_records;
  o.max_bytes = 5 << 20;
  return o;
}

std::vector<uint32_t> lane_of(const ShardScheduler& s, size_t lane) {
  const auto& p = s.lanes()[lane].pending;
  return {p.begin(), p.end()};
}

TEST(ShardScheduler, WithoutAKeyEachEntryGoesToTheLaneGivenTheFewestBytes) {
  struct Case {
    std::vector<uint32_t> bytes;
    std::vector<uint32_t> lane0, lane1;
  };
  const Case cases[] = {
      {{10, 5, 5, 20}, {0, 3}, {1, 2}},  // a tie goes to the lower lane
      {{1, 1, 1, 1}, {0, 2}, {1, 3}},
      {{100, 1, 1, 1}, {0}, {1, 2, 3}},
  };
  auto t0 = Clock::now();
  for (const Case& c : cases) {
    ShardScheduler s(options());
    s.apply_map(two_shards(), t0);
    for (uint32_t id = 0; id < c.bytes.size(); ++id) s.add(id, c.bytes[id], 0, id, t0);
    EXPECT_EQ(lane_of(s, 0), c.lane0);
    EXPECT_EQ(lane_of(s, 1), c.lane1);
    EXPECT_EQ(s.waiting(), c.bytes.size());
  }
}

TEST(ShardScheduler, WithAKeyTheHashPicksTheShardAndALaneSendsOneCallAtATime) {
  struct Case {
    HashKey hash;
    size_t lane;
  };
  const Case cases[] = {{0, 0}, {kHalf, 0}, {kHalf + 1, 1}, {kMaxHashKey, 1}};
  auto t0 = Clock::now();
  ShardScheduler s(options(/*keyed=*/true));
  s.apply_map(two_shards(), t0);
  for (uint32_t id = 0; id < std::size(cases); ++id) {
    s.add(id, 10, cases[id].hash, id, t0);
    EXPECT_EQ(s.lanes()[cases[id].lane].pending.back(), id) << "case " << id;
  }
  RecordingWriter w;
  Clock::time_point retry = Clock::time_point::max();
  ShardScheduler::Call first = s.plan_call(t0, /*flushing=*/true, w, retry);
  EXPECT_EQ(first.records.size(), 4u);
  EXPECT_EQ(first.busy_lanes.size(), 2u);
  s.add(9, 10, 0, 9, t0);
  RecordingWriter w2;
  EXPECT_TRUE(s.plan_call(t0, true, w2, retry).records.empty());  // lane 0 is in flight
  s.release(first);
  EXPECT_EQ(s.plan_call(t0, true, w2, retry).records.size(), 1u);
}

TEST(ShardScheduler, ACallKeepsToTheRecordLimitAndAnIsolatedEntryGoesAlone) {
  auto t0 = Clock::now();
  ShardScheduler s(options(false, /*max_records=*/3));
  s.apply_map(one_shard("only"), t0);
  for (uint32_t id = 0; id < 6; ++id) s.add(id, 10, 0, id, t0);
  s.isolate(4);
  Clock::time_point retry = Clock::time_point::max();
  struct Step {
    std::vector<std::vector<uint32_t>> records;
  };
  const Step steps[] = {{{{0}, {1}, {2}}}, {{{3}}}, {{{4}}}, {{{5}}}};
  for (const Step& step : steps) {
    RecordingWriter w;
    ShardScheduler::Call call = s.plan_call(t0, true, w, retry);
    EXPECT_EQ(call.records, step.records);
    EXPECT_EQ(w.records.size(), step.records.size());
  }
  EXPECT_EQ(s.waiting(), 0u);
}

TEST(ShardScheduler, AggregatedRecordsAreSizedByTheWriterAndStopAtAnIsolatedEntry) {
  auto t0 = Clock::now();
  ShardScheduler::Options o = options();
  o.aggregate = true;
  ShardScheduler s(o);
  s.apply_map(one_shard("only"), t0);
  for (uint32_t id = 0; id < 7; ++id) s.add(id, 10, 0, id, t0);
  s.isolate(3);
  RecordingWriter w(&s, /*per_record=*/2);
  Clock::time_point retry = Clock::time_point::max();
  ShardScheduler::Call call = s.plan_call(t0, true, w, retry);
  // {0,1} aggregated, {2} cut short by the isolated 3, which then waits for a call of its own.
  EXPECT_EQ(call.records, (std::vector<std::vector<uint32_t>>{{0, 1}, {2}}));
  ASSERT_EQ(w.records.size(), 2u);
  EXPECT_TRUE(w.records[0].aggregated);
  RecordingWriter w2(&s, 2);
  call = s.plan_call(t0, true, w2, retry);
  EXPECT_EQ(call.records, (std::vector<std::vector<uint32_t>>{{3}}));
  EXPECT_FALSE(w2.records[0].aggregated);
}

TEST(ShardScheduler, ALaneHeldBackByItsRateWaitsForACallsWorthAndSaysWhen) {
  auto t0 = Clock::now();
  ShardScheduler::Options o = options();
  o.limits = ShardRate::Limits{100, 1000 * 1000};  // a burst of 10 records
  ShardScheduler s(o);
  s.apply_map(one_shard("only"), t0);
  for (uint32_t id = 0; id < 30; ++id) s.add(id, 10, 0, id, t0);
  RecordingWriter w;
  Clock::time_point retry = Clock::time_point::max();
  // The burst (a tenth of a second: 10 records) goes; the 11th waits a record's time (10 ms).
  EXPECT_EQ(s.plan_call(t0, false, w, retry).records.size(), 10u);
  ASSERT_NE(retry, Clock::time_point::max());
  EXPECT_GE(retry - t0, milliseconds(10));
  EXPECT_LE(retry - t0, milliseconds(12));
  // Held back, the lane waits for half a burst (5 records at 100/s: 50 ms), not for one.
  RecordingWriter w2;
  Clock::time_point batch_at = Clock::time_point::max();
  EXPECT_TRUE(s.plan_call(t0 + milliseconds(11), false, w2, batch_at).records.empty());
  EXPECT_GE(batch_at - t0, milliseconds(50));
  EXPECT_LE(batch_at - t0, milliseconds(62));
  RecordingWriter w3;
  EXPECT_GE(s.plan_call(batch_at, false, w3, batch_at).records.size(), 5u);
  // A flush does not wait for a call's worth.
  RecordingWriter w4;
  Clock::time_point unused = Clock::time_point::max();
  EXPECT_GE(s.plan_call(batch_at + milliseconds(11), true, w4, unused).records.size(), 1u);
}

TEST(ShardScheduler, AnswersFeedTheRatesAndAStrayShardMeansTheMapIsStale) {
  struct Case {
    std::string landed_on;
    bool throttled;
    bool stale;
  };
  const Case cases[] = {{"shard-a", false, false}, {"shard-z", false, true}, {"", true, false}};
  for (const Case& c : cases) {
    auto t0 = Clock::now();
    ShardScheduler s(options());
    s.apply_map(one_shard("shard-a"), t0);
    s.add(0, 10, 0, 0, t0);
    RecordingWriter w;
    Clock::time_point retry = Clock::time_point::max();
    ShardScheduler::Call call = s.plan_call(t0, true, w, retry);
    ShardScheduler::RecordOutcome out;
    out.ok = !c.throttled;
    out.throttled = c.throttled;
    out.shard_id = c.landed_on;
    out.bytes = 10;
    EXPECT_EQ(s.on_answer(call, {&out, 1}, t0 + seconds(2)), c.stale) << c.landed_on;
    const auto& lane = s.lanes()[0];
    EXPECT_EQ(lane.delivered_records, c.throttled ? 0u : 1u);
    EXPECT_EQ(lane.rate.throttled(), c.throttled ? 1u : 0u);
    EXPECT_EQ(lane.rate.factor() < 1.0, c.throttled);
  }
}

TEST(ShardScheduler, FailedEntriesGoBackToTheFrontInTheirOrder) {
  auto t0 = Clock::now();
  ShardScheduler s(options());
  s.apply_map(one_shard("only"), t0);
  for (uint32_t id = 0; id < 4; ++id) s.add(id, 10, 0, id, t0);
  RecordingWriter w;
  Clock::time_point retry = Clock::time_point::max();
  ShardScheduler::Call call = s.plan_call(t0, true, w, retry);
  ASSERT_EQ(call.records.size(), 4u);
  s.add(4, 10, 0, 4, t0);
  for (uint32_t id : {2u, 1u}) s.put_back(id);  // records 1 and 2 failed, walked backwards
  EXPECT_EQ(lane_of(s, 0), (std::vector<uint32_t>{1, 2, 4}));
}

TEST(ShardScheduler, AReshardDealsWaitingEntriesOutAgainInTakeOrderAndKeepsStayingRates) {
  auto t0 = Clock::now();
  ShardScheduler s(options());
  s.apply_map(two_shards("parent", "stays"), t0);
  for (uint32_t id = 0; id < 6; ++id) s.add(id, 10, 0, id, t0);
  s.lanes()[1].rate.on_result(10, 5, 5, t0 + seconds(2));  // "stays" was throttled
  double stays_factor = s.lanes()[1].rate.factor();
  ASSERT_LT(stays_factor, 1.0);
  uint64_t generation = s.generation();
  ShardMap split = ShardMap::build({ShardInfo{"child-1", 0, kHalf / 2, true},
                                    ShardInfo{"child-2", kHalf / 2 + 1, kHalf, true},
                                    ShardInfo{"stays", kHalf + 1, kMaxHashKey, true}})
                       .value();
  EXPECT_EQ(s.apply_map(std::move(split), t0), 6u);
  EXPECT_EQ(s.generation(), generation + 1);
  ASSERT_EQ(s.lanes().size(), 3u);
  EXPECT_EQ(s.lanes()[2].shard.id, "stays");
  EXPECT_EQ(s.lanes()[2].rate.factor(), stays_factor);
  EXPECT_EQ(s.lanes()[0].rate.factor(), 1.0);
  // Dealt in take order, evenly: 0,3 / 1,4 / 2,5.
  EXPECT_EQ(lane_of(s, 0), (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(lane_of(s, 1), (std::vector<uint32_t>{1, 4}));
  EXPECT_EQ(lane_of(s, 2), (std::vector<uint32_t>{2, 5}));
  // An answer for a call planned on the old map feeds nothing.
  ShardScheduler::Call old;
  old.generation = generation;
  old.records = {{0}};
  old.record_lanes = {0};
  ShardScheduler::RecordOutcome out{true, false, "elsewhere", 10};
  EXPECT_FALSE(s.on_answer(old, {&out, 1}, t0));
  EXPECT_EQ(s.lanes()[0].delivered_records, 0u);
}

TEST(ShardScheduler, ExpiredEntriesAreTakenOutOfTheirLanes) {
  auto t0 = Clock::now();
  ShardScheduler s(options());
  s.apply_map(two_shards(), t0);
  for (uint32_t id = 0; id < 5; ++id) s.add(id, 10, 0, id, t0 + seconds(id));
  auto gone = s.take_waiting_if([&](uint32_t id) { return s.taken_at(id) < t0 + seconds(2); });
  std::sort(gone.begin(), gone.end());
  EXPECT_EQ(gone, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(s.waiting(), 3u);
  EXPECT_EQ(s.oldest_waiting(), t0 + seconds(2));
}

}  // namespace
}  // namespace sluice

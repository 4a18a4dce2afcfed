// The delivery driver with a RequestPlanner (a partitioned destination, as Kinesis): a fake
// planner keeps one FIFO of lines per partition ("a..." lines in one, the rest in the other) and
// plans a request from one partition at a time, alternating. Time is a value the test moves.
#include "delivery/request_planner.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "delivery/delivery_driver.h"
#include "queue/endpoint_queue.h"
#include "recording_host.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

class TwoPartitionPlanner : public RequestPlanner {
 public:
  void fill(LeaseLedger& ledger, Clock::time_point now) override {
    ledger_ = &ledger;
    while (auto lease = ledger.take(100, 1 << 20, now)) {
      const LineBatch& lines = ledger.lines(*lease);
      for (uint32_t i = 0; i < lines.size(); ++i) {
        partitions[lines.line(i).starts_with("a") ? 0 : 1].push_back(LineRange{*lease, i, 1});
      }
    }
  }

  Result<std::optional<PlannedRequest>> plan(uint64_t id, Clock::time_point, bool,
                                             Clock::time_point&) override {
    for (int tries = 0; tries < 2; ++tries, next_ ^= 1) {
      std::deque<LineRange>& p = partitions[next_];
      if (p.empty()) continue;
      PlannedRequest planned;
      std::string body;
      while (!p.empty() && planned.lines.size() < per_request) {
        planned.lines.push_back(p.front());
        body += (body.empty() ? "" : " ") + text(p.front());
        p.pop_front();
      }
      calls[id] = {next_, planned.lines};
      planned.payload.body = std::make_shared<std::string>(body);
      next_ ^= 1;
      return std::optional<PlannedRequest>(std::move(planned));
    }
    return std::optional<PlannedRequest>();
  }

  void settled(uint64_t id, std::span<const uint32_t> failed, Clock::time_point) override {
    auto [partition, lines] = calls.at(id);
    for (auto it = failed.rbegin(); it != failed.rend(); ++it) {
      partitions[partition].push_front(lines[*it]);
    }
    calls.erase(id);
    settled_ids.push_back(id);
  }

  std::string text(const LineRange& r) const {
    return std::string(ledger_->lines(r.lease).line(r.first));
  }

  size_t per_request = 2;
  std::deque<LineRange> partitions[2];
  std::map<uint64_t, std::pair<int, std::vector<LineRange>>> calls;
  std::vector<uint64_t> settled_ids;

 private:
  const LeaseLedger* ledger_ = nullptr;
  int next_ = 0;
};

struct Rig {
  explicit Rig(uint32_t concurrency)
      : channel("svc", "ep", make_memory_queue(1 << 20, WhenFull::kBlock)),
        reporter(channel),
        driver(*channel.queue, reporter, host, settings(concurrency), &planner) {
    driver.set_ready(true, t0);
  }
  static DeliveryDriverSettings settings(uint32_t concurrency) {
    DeliveryDriverSettings s;
    s.concurrency = concurrency;
    s.initial_backoff = milliseconds(100);
    s.max_backoff = seconds(60);
    s.jitter_seed = 7;
    return s;
  }
  void push(std::initializer_list<std::string_view> lines) {
    LineBatch b;
    for (auto l : lines) b.add(l);
    (void)channel.queue->push(b);
    driver.pump(t0);
  }
  uint64_t leased() const { return channel.queue->depth().leased_lines; }
  uint64_t errors() const {
    uint64_t n = 0;
    for (const auto& e : channel.counters.errors) n += e.load();
    return n;
  }

  Clock::time_point t0 = Clock::time_point{} + seconds(1000);
  TwoPartitionPlanner planner;
  RecordingHost host;
  EndpointChannel channel;
  DeliveryReporter reporter;
  DeliveryDriver driver;
};

TEST(DeliveryDriverWithPlanner, TheWindowCountsRequestsInFlightNotTheOldest) {
  Rig rig(2);
  rig.push({"a1", "b1", "a2", "b2", "a3", "b3"});
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a1 a2", "b1 b2"}));
  // The newer request completes first: unlike the batcher's sliding window, that frees a slot.
  rig.driver.on_response(rig.host.id_of("b1 b2"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a1 a2", "b1 b2", "a3"}));
  // ...but nothing is acknowledged past "a1", still in flight.
  EXPECT_EQ(rig.leased(), 6u);
  rig.driver.on_response(rig.host.id_of("a1 a2"), Verdict::successful(), rig.t0);
  rig.driver.on_response(rig.host.id_of("a3"), Verdict::successful(), rig.t0);
  rig.driver.on_response(rig.host.id_of("b3"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.leased(), 0u);
  EXPECT_EQ(rig.channel.counters.delivered.load(), 6u);
  EXPECT_EQ(rig.planner.settled_ids.size(), 4u);  // each request settled once
}

TEST(DeliveryDriverWithPlanner, ThrottledLinesGoBackToThePlannerWithoutErrorOrBackoff) {
  Rig rig(1);
  rig.push({"a1", "a2", "b1"});
  ASSERT_EQ(rig.host.bodies(), (std::vector<std::string>{"a1 a2"}));
  Verdict throttled = Verdict::retry_partial({0}, ErrorClass::kRetryable, "a shard throttled");
  throttled.throttled = true;
  rig.driver.on_response(rig.host.id_of("a1 a2"), throttled, rig.t0);
  // "a2" is delivered; "a1" waits in its partition while the other partition's request goes now.
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a1 a2", "b1"}));
  EXPECT_EQ(rig.errors(), 0u);
  EXPECT_EQ(rig.channel.counters.retried.load(), 1u);
  EXPECT_EQ(rig.reporter.state(), EndpointState::kOk);
  rig.driver.on_response(rig.host.id_of("b1"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.bodies().back(), "a1");
  EXPECT_EQ(rig.leased(), 3u);  // "a1" is the oldest line, and not delivered
  rig.driver.on_response(rig.host.id_of("a1"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.leased(), 0u);
}

TEST(DeliveryDriverWithPlanner, AFailureHoldsEverythingNewForTheBackoff) {
  Rig rig(2);
  rig.push({"a1", "b1"});
  rig.driver.on_response(rig.host.id_of("a1"), Verdict::retry(ErrorClass::kRetryable, "HTTP 500"),
                         rig.t0);
  EXPECT_EQ(rig.errors(), 1u);
  EXPECT_EQ(rig.reporter.state(), EndpointState::kRetrying);
  rig.push({"b2"});
  EXPECT_EQ(rig.host.sent.size(), 2u);  // blocked: neither "a1" again nor "b2"
  ASSERT_FALSE(rig.host.wakes.empty());
  Clock::time_point until = rig.host.wakes.back();
  EXPECT_GT(until, rig.t0);
  EXPECT_LE(until, rig.t0 + milliseconds(100));
  rig.driver.on_wake(until);
  EXPECT_EQ(rig.host.bodies().back(), "a1");
  rig.driver.on_response(rig.host.id_of("a1"), Verdict::successful(), until);
  EXPECT_EQ(rig.reporter.state(), EndpointState::kOk);
}

TEST(DeliveryDriverWithPlanner, ARetryAfterOfZeroResendsAtOnce) {
  Rig rig(1);
  rig.planner.per_request = 3;
  rig.push({"a1", "a2", "a3"});
  // A call refused as a whole: the planner will split it; nothing waits.
  rig.driver.on_response(rig.host.id_of("a1 a2 a3"),
                         Verdict::retry(ErrorClass::kPermanent, "refused", milliseconds(0)),
                         rig.t0);
  EXPECT_EQ(rig.host.bodies().back(), "a1 a2 a3");
  EXPECT_EQ(rig.host.sent.size(), 2u);
  EXPECT_EQ(rig.channel.counters.retried.load(), 3u);
}

TEST(DeliveryDriverWithPlanner, LinesThePlannerRefusesAreDeadLetteredOrExpiredAndAcknowledged) {
  Rig rig(1);
  rig.push({"a1", "a2"});
  rig.driver.on_response(rig.host.id_of("a1 a2"),
                         Verdict::dont_retry(ErrorClass::kPermanent, "too large"), rig.t0);
  EXPECT_EQ(rig.channel.counters.dropped[size_t(DropReason::kPermanentError)].load(), 2u);
  EXPECT_EQ(rig.leased(), 0u);
  EXPECT_EQ(rig.planner.settled_ids.size(), 1u);

  rig.push({"b1"});
  rig.driver.on_response(rig.host.id_of("b1"), Verdict::retry(ErrorClass::kRetryable, "500"),
                         rig.t0);
  ASSERT_EQ(rig.planner.partitions[1].size(), 1u);
  const LineRange waiting[] = {rig.planner.partitions[1].front()};
  rig.planner.partitions[1].clear();
  rig.driver.expired(waiting, rig.t0 + seconds(30));
  EXPECT_EQ(rig.channel.counters.dropped[size_t(DropReason::kExpired)].load(), 1u);
  EXPECT_EQ(rig.leased(), 0u);
}

TEST(DeliveryDriverWithPlanner, StopGivesBackWhatIsNotDeliveredOldestFirst) {
  Rig rig(2);
  rig.push({"a1", "b1", "a2"});
  rig.driver.on_response(rig.host.id_of("b1"), Verdict::successful(), rig.t0);
  rig.driver.stop();
  std::vector<std::string> left;
  Lease lease;
  while (rig.channel.queue->take(100, 1 << 20, lease)) {
    for (size_t i = 0; i < lease.lines.size(); ++i) left.emplace_back(lease.lines.line(i));
    rig.channel.queue->ack(lease);
    lease.lines.clear();
  }
  // "b1" was delivered after an undelivered line: it is sent again (at least once).
  EXPECT_EQ(left, (std::vector<std::string>{"a1", "b1", "a2"}));
}

}  // namespace
}  // namespace sluice

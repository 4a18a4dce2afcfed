// The delivery driver with a fake host: sends are recorded, answers are given by the test in any
// order, and time is a value the test moves. Nothing sleeps.
#include "delivery/delivery_driver.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "queue/endpoint_queue.h"
#include "recording_host.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Bodies are the lines joined by '\n', so a test reads what a request held.
class FakeHost : public RecordingHost {
 public:
  Result<Payload> build(std::span<const LineBatch* const> lines) override {
    if (failing_builds > 0) {
      --failing_builds;
      return Error(ErrorCode::kResourceExhausted, "the compressor could not allocate");
    }
    std::string body;
    for (const LineBatch* b : lines) {
      for (size_t i = 0; i < b->size(); ++i) {
        if (!body.empty()) body += '\n';
        body += b->line(i);
      }
    }
    uint64_t raw = body.size();
    return Payload{std::make_shared<std::string>(std::move(body)), raw};
  }

  int failing_builds = 0;
};

// A memory queue that says it is durable and records what it is given as dead letter, as the
// disk queue's dead-letter segments would keep it.
class DeadLetterQueue : public EndpointQueue {
 public:
  DeadLetterQueue() : inner_(make_memory_queue(1 << 20, WhenFull::kBlock)) {}
  PushResult push(LineBatch& batch) override { return inner_->push(batch); }
  bool take(size_t max_lines, size_t max_bytes, Lease& out) override {
    return inner_->take(max_lines, max_bytes, out);
  }
  void ack(Lease& lease, size_t count) override { inner_->ack(lease, count); }
  using EndpointQueue::ack;
  void set_data_callback(std::function<void()> cb) override {
    inner_->set_data_callback(std::move(cb));
  }
  void set_space_callback(std::function<void()> cb) override {
    inner_->set_space_callback(std::move(cb));
  }
  QueueDepth depth() const override { return inner_->depth(); }
  bool durable() const override { return true; }
  void dead_letter(const Lease& lease, size_t first, size_t count) override {
    for (size_t i = first; i < first + count; ++i) kept.emplace_back(lease.lines.line(i));
  }
  std::vector<std::string> kept;

 private:
  std::unique_ptr<EndpointQueue> inner_;
};

struct Rig {
  explicit Rig(DeliveryDriverSettings settings,
               std::unique_ptr<EndpointQueue> queue = make_memory_queue(1 << 20, WhenFull::kBlock))
      : channel("svc", "ep", std::move(queue)),
        reporter(channel),
        driver(*channel.queue, reporter, host, settings) {}

  void push(std::initializer_list<std::string_view> lines) {
    LineBatch b;
    for (auto l : lines) b.add(l);
    (void)channel.queue->push(b);
  }
  // Everything in the queue, leased or not, taken out in order (after the driver stopped).
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    Lease lease;
    while (channel.queue->take(1000, 1 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
      channel.queue->ack(lease);
      lease.lines.clear();
    }
    return out;
  }
  uint64_t leased() const { return channel.queue->depth().leased_lines; }
  uint64_t queued() const { return channel.queue->depth().lines; }
  uint64_t delivered() const { return channel.counters.delivered.load(); }
  uint64_t retried() const { return channel.counters.retried.load(); }

  Clock::time_point t0 = Clock::time_point{} + seconds(1000);
  FakeHost host;
  EndpointChannel channel;
  DeliveryReporter reporter;
  DeliveryDriver driver;
};

DeliveryDriverSettings settings(size_t max_entries, uint32_t concurrency) {
  DeliveryDriverSettings s;
  s.batch.max_entries = max_entries;
  s.batch.max_bytes = 1 << 20;
  s.batch.linger = seconds(5);
  s.concurrency = concurrency;
  s.initial_backoff = milliseconds(100);
  s.max_backoff = seconds(60);
  s.jitter_seed = 7;
  return s;
}

TEST(DeliveryDriver, FullBatchesGoAtOnceAndAPartialOneAfterItsLinger) {
  Rig rig(settings(2, 4));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c"});
  rig.driver.pump(rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb"}));
  ASSERT_FALSE(rig.host.wakes.empty());
  EXPECT_EQ(rig.host.wakes.back(), rig.t0 + seconds(5));
  rig.driver.on_wake(rig.t0 + seconds(4));
  EXPECT_EQ(rig.host.sent.size(), 1u);
  rig.driver.on_wake(rig.t0 + seconds(5));
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb", "c"}));
}

TEST(DeliveryDriver, NothingIsSentUntilReadyAndFlushSkipsTheLinger) {
  Rig rig(settings(100, 1));
  rig.push({"a"});
  rig.driver.pump(rig.t0);
  EXPECT_TRUE(rig.host.sent.empty());
  rig.driver.set_ready(true, rig.t0);
  EXPECT_TRUE(rig.host.sent.empty());  // lingering
  rig.driver.flush(rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a"}));
}

TEST(DeliveryDriver, BytesLimitCountsTheLineOverhead) {
  DeliveryDriverSettings s = settings(100, 8);
  s.batch.max_bytes = 8;  // "aaa" + 1 and "bbb" + 1 fit; "ccc" does not
  Rig rig(s);
  rig.driver.set_ready(true, rig.t0);
  rig.push({"aaa", "bbb", "ccc"});
  rig.driver.flush(rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"aaa\nbbb", "ccc"}));
}

TEST(DeliveryDriver, LinesAreAcknowledgedInOrderWhateverOrderRequestsComplete) {
  Rig rig(settings(1, 3));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a"});
  rig.push({"b"});
  rig.push({"c"});
  rig.driver.pump(rig.t0);
  ASSERT_EQ(rig.host.sent.size(), 3u);
  rig.driver.on_response(rig.host.id_of("c"), Verdict::successful(), rig.t0 + milliseconds(1));
  rig.driver.on_response(rig.host.id_of("b"), Verdict::successful(), rig.t0 + milliseconds(2));
  // Delivered, but not acknowledged: "a" is older and still in flight.
  EXPECT_EQ(rig.delivered(), 2u);
  EXPECT_EQ(rig.leased(), 3u);
  rig.driver.on_response(rig.host.id_of("a"), Verdict::successful(), rig.t0 + milliseconds(3));
  EXPECT_EQ(rig.delivered(), 3u);
  EXPECT_EQ(rig.leased(), 0u);
  EXPECT_EQ(rig.queued(), 0u);
}

TEST(DeliveryDriver, TheWindowSlidesOnlyWhenItsOldestRequestIsDone) {
  Rig rig(settings(1, 2));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c", "d"});
  rig.driver.pump(rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b"}));
  rig.driver.on_response(rig.host.id_of("b"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.sent.size(), 2u);  // "a" still holds the window
  rig.driver.on_response(rig.host.id_of("a"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(DeliveryDriver, FailedRequestsAreRetriedAloneOldestFirstBeforeAnythingNew) {
  Rig rig(settings(1, 2));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c"});
  rig.driver.pump(rig.t0);
  ASSERT_EQ(rig.host.sent.size(), 2u);
  auto t = rig.t0 + milliseconds(10);
  rig.driver.on_response(rig.host.id_of("b"), Verdict::retry(ErrorClass::kRetryable, "HTTP 503"),
                         t);
  rig.driver.on_response(rig.host.id_of("a"), Verdict::retry(ErrorClass::kRetryable, "HTTP 503"),
                         t);
  EXPECT_EQ(rig.host.sent.size(), 2u);
  EXPECT_TRUE(rig.driver.retrying());
  EXPECT_EQ(rig.channel.status.snapshot().state, EndpointState::kRetrying);
  EXPECT_EQ(rig.retried(), 2u);
  // Full jitter: the first delay is within [0, 100 ms].
  Clock::time_point retry_at = rig.host.wakes.back();
  EXPECT_LE(retry_at, t + milliseconds(100));
  rig.driver.on_wake(retry_at);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "a"}));
  rig.driver.on_response(rig.host.sent.back().first, Verdict::successful(), retry_at);
  // The destination is back: the next failed one goes at once, still alone.
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "a", "b"}));
  rig.driver.on_response(rig.host.sent.back().first, Verdict::successful(), retry_at);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "a", "b", "c"}));
  EXPECT_EQ(rig.channel.status.snapshot().state, EndpointState::kOk);
}

TEST(DeliveryDriver, RetryAfterIsHonouredInsteadOfTheBackoff) {
  Rig rig(settings(10, 1));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b"});
  rig.driver.flush(rig.t0);
  rig.driver.on_response(rig.host.id_of("a\nb"),
                         Verdict::retry(ErrorClass::kRetryable, "HTTP 429", seconds(30)), rig.t0);
  EXPECT_EQ(rig.host.wakes.back(), rig.t0 + seconds(30));
  rig.driver.on_wake(rig.t0 + seconds(29));
  EXPECT_EQ(rig.host.sent.size(), 1u);
  rig.driver.on_wake(rig.t0 + seconds(30));
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb", "a\nb"}));
}

TEST(DeliveryDriver, ConfigurationErrorsRetryAtTheCapAndSayError) {
  Rig rig(settings(10, 1));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a"});
  rig.driver.flush(rig.t0);
  rig.driver.on_response(rig.host.id_of("a"),
                         Verdict::retry(ErrorClass::kConfiguration, "TLS: certificate"), rig.t0);
  EXPECT_EQ(rig.host.wakes.back(), rig.t0 + seconds(60));
  EXPECT_EQ(rig.channel.status.snapshot().state, EndpointState::kError);
  EXPECT_EQ(rig.channel.counters.errors[size_t(ErrorClass::kConfiguration)].load(), 1u);
}

TEST(DeliveryDriver, RetryPartialSendsOnlyTheFailedLinesAgain) {
  Rig rig(settings(10, 1));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b"});
  rig.push({"c", "d", "e"});
  rig.driver.flush(rig.t0);
  ASSERT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb\nc\nd\ne"}));
  rig.driver.on_response(
      rig.host.sent[0].first,
      Verdict::retry_partial({3, 1}, ErrorClass::kRetryable, "2 of 5 records throttled"),
      rig.t0 + milliseconds(5));
  EXPECT_EQ(rig.delivered(), 3u);
  EXPECT_EQ(rig.retried(), 2u);
  EXPECT_EQ(rig.leased(), 5u);  // "b" holds the first lease, "d" the second
  rig.driver.on_wake(rig.host.wakes.back());
  ASSERT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb\nc\nd\ne", "b\nd"}));
  rig.driver.on_response(rig.host.sent[1].first, Verdict::successful(), rig.host.wakes.back());
  EXPECT_EQ(rig.delivered(), 5u);
  EXPECT_EQ(rig.leased(), 0u);
  // "a", "c" and "e", then "b\nd" as framed.
  EXPECT_EQ(rig.channel.counters.delivered_bytes.load(), 6u);
}

TEST(DeliveryDriver, RefusedLinesGoToTheQueuesDeadLetterAndAreCounted) {
  auto queue = std::make_unique<DeadLetterQueue>();
  DeadLetterQueue* dead = queue.get();
  Rig rig(settings(10, 1), std::move(queue));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"ok", "bad"});
  rig.driver.flush(rig.t0);
  rig.driver.on_response(rig.host.id_of("ok\nbad"),
                         Verdict::dont_retry(ErrorClass::kPermanent, "HTTP 400: bad field"),
                         rig.t0);
  EXPECT_EQ(dead->kept, (std::vector<std::string>{"ok", "bad"}));
  EXPECT_EQ(rig.channel.counters.dropped[size_t(DropReason::kPermanentError)].load(), 2u);
  EXPECT_EQ(rig.channel.counters.errors[size_t(ErrorClass::kPermanent)].load(), 1u);
  EXPECT_EQ(rig.leased(), 0u);  // acknowledged: they are in the dead letter, not the queue
  auto last = rig.channel.status.snapshot().last_error;
  ASSERT_TRUE(last.has_value());
  EXPECT_NE(last->message.find("HTTP 400: bad field; 2 line(s) written to the dead letter"),
            std::string::npos);
  EXPECT_EQ(rig.channel.status.snapshot().state, EndpointState::kOk);
}

TEST(DeliveryDriver, StopWithRequestsInFlightGivesTheUnfinishedLinesBackInOrder) {
  Rig rig(settings(1, 3));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c", "d"});
  rig.driver.pump(rig.t0);
  ASSERT_EQ(rig.host.sent.size(), 3u);
  rig.driver.on_response(rig.host.id_of("b"), Verdict::successful(), rig.t0);
  rig.driver.on_response(rig.host.id_of("c"), Verdict::retry(ErrorClass::kRetryable, "reset"),
                         rig.t0);
  rig.driver.stop();
  // "b" was delivered: acknowledged, so not sent twice. "c" failed and "a" and "d" were in
  // flight or unsent: back in the queue, in order.
  EXPECT_EQ(rig.drain(), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(rig.channel.counters.requests_in_flight.load(), 0u);
  EXPECT_EQ(rig.channel.status.snapshot().state, EndpointState::kStopped);
  // An answer that arrives after the stop changes nothing.
  size_t sent = rig.host.sent.size();
  rig.driver.on_response(rig.host.id_of("a"), Verdict::successful(), rig.t0);
  rig.driver.pump(rig.t0);
  EXPECT_EQ(rig.host.sent.size(), sent);
}

TEST(DeliveryDriver, StopAcknowledgesTheDeliveredPrefix) {
  Rig rig(settings(1, 3));
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c"});
  rig.driver.pump(rig.t0);
  rig.driver.on_response(rig.host.id_of("a"), Verdict::successful(), rig.t0);
  rig.driver.stop();
  EXPECT_EQ(rig.drain(), (std::vector<std::string>{"b", "c"}));
}

TEST(DeliveryDriver, ABuildFailureGivesTheLinesBackAndWaitsABackoff) {
  Rig rig(settings(10, 1));
  rig.driver.set_ready(true, rig.t0);
  rig.host.failing_builds = 1;
  rig.push({"a", "b"});
  rig.driver.flush(rig.t0);
  EXPECT_TRUE(rig.host.sent.empty());
  EXPECT_EQ(rig.leased(), 0u);
  EXPECT_EQ(rig.queued(), 2u);
  Clock::time_point again = rig.host.wakes.back();
  EXPECT_LE(again, rig.t0 + milliseconds(100));
  rig.driver.pump(rig.t0);
  if (again > rig.t0) {
    EXPECT_TRUE(rig.host.sent.empty());  // not before the backoff
  }
  rig.driver.on_wake(again);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a\nb"}));
}

// A stream (syslog): the connection broke under three requests. One error; all three go again,
// together and in order, once the sink is ready again, and new requests may follow them at once.
TEST(DeliveryDriver, AnOrderedServiceResendsEveryFailedRequestTogetherInOrder) {
  DeliveryDriverSettings s = settings(1, 4);
  s.ordered_service = true;
  s.keep_payloads = false;
  Rig rig(s);
  rig.driver.set_ready(true, rig.t0);
  rig.push({"a", "b", "c"});
  rig.driver.flush(rig.t0);
  ASSERT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "c"}));
  rig.driver.on_response(rig.host.id_of("a"), Verdict::successful(), rig.t0);
  rig.driver.set_ready(false, rig.t0);
  rig.driver.fail_in_flight(
      Verdict::retry(ErrorClass::kRetryable, "connection reset", milliseconds(0)), rig.t0);
  EXPECT_EQ(rig.channel.counters.errors[size_t(ErrorClass::kRetryable)].load(), 1u);
  EXPECT_EQ(rig.retried(), 2u);
  EXPECT_EQ(rig.channel.counters.requests_in_flight.load(), 0u);
  rig.driver.on_wake(rig.t0);  // the retry is due, but the connection is not back
  EXPECT_EQ(rig.host.sent.size(), 3u);
  rig.push({"d"});
  rig.driver.pump(rig.t0);
  EXPECT_EQ(rig.host.sent.size(), 3u);
  rig.driver.set_ready(true, rig.t0 + seconds(1));
  // Built again from their lines (the payloads were not kept), then "d" behind them.
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"a", "b", "c", "b", "c", "d"}));
  for (const char* line : {"b", "c", "d"}) {
    rig.driver.on_response(rig.host.id_of(line), Verdict::successful(), rig.t0 + seconds(2));
  }
  EXPECT_EQ(rig.delivered(), 4u);
  EXPECT_EQ(rig.leased(), 0u);
  EXPECT_EQ(rig.reporter.state(), EndpointState::kOk);
}

TEST(DeliveryDriver, AFailureWithNothingInFlightIsStillOneError) {
  Rig rig(settings(1, 4));
  rig.driver.fail_in_flight(Verdict::retry(ErrorClass::kConfiguration, "certificate", {}), rig.t0);
  EXPECT_EQ(rig.channel.counters.errors[size_t(ErrorClass::kConfiguration)].load(), 1u);
  EXPECT_EQ(rig.retried(), 0u);
  EXPECT_TRUE(rig.host.wakes.empty());  // nothing to retry
}

// A deep queue and a wide window: a pump builds a bounded number of requests, then yields the
// loop (asks to be woken now) instead of formatting the whole window in one go.
TEST(DeliveryDriver, APumpBuildsABoundedNumberOfRequestsThenYields) {
  Rig rig(settings(1, 100));
  rig.driver.set_ready(true, rig.t0);
  for (int i = 0; i < 20; ++i) rig.push({std::to_string(i)});
  rig.driver.flush(rig.t0);
  EXPECT_EQ(rig.host.sent.size(), size_t(DeliveryDriver::kDispatchesPerPump));
  ASSERT_FALSE(rig.host.wakes.empty());
  EXPECT_EQ(rig.host.wakes.back(), rig.t0);
  rig.driver.on_wake(rig.t0);
  rig.driver.on_wake(rig.t0);
  EXPECT_EQ(rig.host.sent.size(), 20u);
}

TEST(DeliveryDriver, AByteWindowHoldsNewRequestsWhateverTheirCount) {
  DeliveryDriverSettings s = settings(2, 100);
  s.window_max_bytes = 6;  // lines of 3 bytes: two requests of two lines fill it
  Rig rig(s);
  rig.driver.set_ready(true, rig.t0);
  rig.push({"aaa", "bbb", "ccc", "ddd", "eee"});
  rig.driver.flush(rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"aaa\nbbb"}));
  rig.driver.on_response(rig.host.id_of("aaa\nbbb"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.bodies(), (std::vector<std::string>{"aaa\nbbb", "ccc\nddd"}));
  rig.driver.on_response(rig.host.id_of("ccc\nddd"), Verdict::successful(), rig.t0);
  EXPECT_EQ(rig.host.bodies().back(), "eee");
}

TEST(RequestWindow, AdaptiveGrowsOnQuickSuccessesAndHalvesOnFailure) {
  RequestWindow w(8, true);
  EXPECT_EQ(w.limit(), 1u);
  for (int i = 0; i < 50; ++i) w.on_success(std::chrono::microseconds(1000));
  EXPECT_EQ(w.limit(), 8u);
  w.on_failure();
  EXPECT_EQ(w.limit(), 4u);
  w.on_success(std::chrono::microseconds(5000));  // more than four times the best: one less
  EXPECT_EQ(w.limit(), 3u);
  RequestWindow fixed(5, false);
  fixed.on_failure();
  EXPECT_EQ(fixed.limit(), 5u);
}

}  // namespace
}  // namespace sluice

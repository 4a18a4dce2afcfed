// The https sink's batching, retry order and challenge against a real HTTP server on 127.0.0.1
// (sluice's own Beast server, the one HTTP ingest uses), with a real memory queue.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "loopback_http_server.h"
#include "net/destination_policy.h"
#include "net/http_server.h"
#include "queue/endpoint_queue.h"
#include "sinks/http/challenge.h"
#include "sinks/http/challenge_cache.h"
#include "sinks/https/config.h"
#include "sinks/https/sink.h"
#include "topology/endpoint_channel.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// Records POST bodies; answers from a script (then 200), and the challenge from `challenge`.
class Receiver {
 public:
  std::string url() const { return server_.url("/in"); }
  void script(std::vector<int> statuses) {
    std::lock_guard<std::mutex> l(mu_);
    script_ = std::move(statuses);
  }
  void set_challenge(std::optional<std::string> c) {
    std::lock_guard<std::mutex> l(mu_);
    challenge_ = std::move(c);
  }
  std::vector<std::string> accepted() {
    std::lock_guard<std::mutex> l(mu_);
    return accepted_;
  }
  int posts() {
    std::lock_guard<std::mutex> l(mu_);
    return posts_;
  }
  int challenges() {
    std::lock_guard<std::mutex> l(mu_);
    return challenges_;
  }

 private:
  HttpResponse handle(HttpRequest& r) {
    std::lock_guard<std::mutex> l(mu_);
    HttpResponse resp;
    if (r.method == "GET") {
      ++challenges_;
      resp.status = challenge_ ? 200 : 404;
      resp.body = challenge_.value_or("");
      return resp;
    }
    ++posts_;
    if (!script_.empty()) {
      resp.status = script_.front();
      script_.erase(script_.begin());
    }
    if (resp.status == 200) accepted_.emplace_back(std::string_view(r.body));
    return resp;
  }

  std::mutex mu_;
  std::vector<int> script_;
  std::optional<std::string> challenge_ = std::string("*");
  std::vector<std::string> accepted_;
  int posts_ = 0;
  int challenges_ = 0;
  // Last: destroyed first, so no request is handled once the state above is gone.
  testing::LoopbackHttpServer server_{[this](HttpRequest& r) { return handle(r); }};
};

class Harness {
 public:
  // `challenges`: the engine's cache shared with other harnesses, or nullptr for the sink's own.
  explicit Harness(std::shared_ptr<HttpsSinkSettings> settings,
                   std::shared_ptr<ChallengeCache> challenges = nullptr,
                   std::string service_id = "svc1",
                   std::shared_ptr<const DestinationPolicy> destinations = nullptr)
      : settings_(std::move(settings)),
        endpoint_(std::move(service_id), "to_https",
                  make_memory_queue(64 << 20, WhenFull::kBlock)) {
    settings_->parsed_url = parse_http_url(settings_->url).value();
    auto config = std::make_shared<EndpointConfig>();
    config->type = "https";
    config->name = "to_https";
    config->message_type = MessageType::kBlank;
    config->settings = settings_;
    SinkContext ctx{endpoint_, config, io_, "testhost", std::move(challenges)};
    ctx.destinations = std::move(destinations);
    HttpsSinkOptions options;
    options.initial_backoff = 20ms;
    options.challenge_initial_backoff = 20ms;
    sink_ = make_https_sink(ctx, options);
    sink_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Harness() {
    work_.reset();
    io_.stop();
    thread_.join();
    sink_->stop();
  }
  void push(std::vector<std::string> lines) {
    LineBatch b;
    for (const auto& l : lines) b.add(l);
    PushResult r = endpoint_.queue->push(b);
    endpoint_.counters.received += r.accepted;
  }
  Sink& sink() { return *sink_; }
  EndpointChannel& endpoint() { return endpoint_; }

 private:
  std::shared_ptr<HttpsSinkSettings> settings_;
  EndpointChannel endpoint_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<Sink> sink_;
  std::thread thread_;
};

std::shared_ptr<HttpsSinkSettings> settings_for(const Receiver& r) {
  auto s = std::make_shared<HttpsSinkSettings>();
  s->url = r.url();
  s->content_type = "text/plain";
  s->delivery.concurrency = 1;
  s->delivery.max_backoff_seconds = 0.1;
  s->delivery.timeout_seconds = 5;
  return s;
}

// The same, with period 0: every line is sent as soon as it is queued.
std::shared_ptr<HttpsSinkSettings> sending_at_once(const Receiver& r) {
  auto s = settings_for(r);
  s->delivery.period_seconds = 0;
  return s;
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i));
  return out;
}

TEST(HttpsSink, EntriesLimitSplitsAndThePeriodSendsTheRest) {
  Receiver r;
  auto s = settings_for(r);
  s->delivery.request_max_entries = 3;
  s->delivery.period_seconds = 0.3;
  Harness h(s);
  auto t0 = std::chrono::steady_clock::now();
  h.push(numbered(0, 7));
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 3; }));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.accepted(), (std::vector<std::string>{"line 0\nline 1\nline 2",
                                                    "line 3\nline 4\nline 5", "line 6"}));
  EXPECT_GE(waited, 250ms) << "the last, partial batch must wait for the period";
  EXPECT_TRUE(eventually([&] { return h.endpoint().counters.delivered == 7; }));
  EXPECT_TRUE(eventually([&] { return h.endpoint().queue->depth().lines == 0; }));
}

TEST(HttpsSink, BytesLimitCountsLinesAndSeparators) {
  Receiver r;
  auto s = settings_for(r);
  s->delivery.request_max_bytes = 1024;
  s->delivery.period_seconds = 60;
  Harness h(s);
  std::vector<std::string> lines;
  for (int i = 0; i < 25; ++i) lines.push_back(std::string(99, char('a' + i)));  // 100 with '\n'
  h.push(lines);
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 2; }));
  for (const auto& body : r.accepted()) EXPECT_EQ(body.size(), 10u * 100 - 1);
  EXPECT_EQ(r.accepted().size(), 2u) << "5 lines left: not full, the period is a minute";
  h.sink().flush();  // what shutdown does: send now
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 3; }));
  EXPECT_EQ(r.accepted()[2].size(), 5u * 100 - 1);
}

TEST(HttpsSink, FailedRequestsAreRetriedInOrderBeforeAnythingNew) {
  Receiver r;
  r.script({500, 503, 429, 502});
  auto s = settings_for(r);
  s->delivery.request_max_entries = 2;
  s->delivery.period_seconds = 0;
  Harness h(s);
  for (int i = 0; i < 10; i += 2) h.push(numbered(i, i + 2));
  ASSERT_TRUE(eventually([&] { return h.endpoint().counters.delivered == 10; }));
  std::string all;
  for (const auto& b : r.accepted()) all += b + "\n";
  std::string want;
  for (const auto& l : numbered(0, 10)) want += l + "\n";
  EXPECT_EQ(all, want);
  EXPECT_EQ(r.posts(), 5 + 4);
  EXPECT_EQ(h.endpoint().counters.errors[size_t(ErrorClass::kRetryable)], 4u);
  EXPECT_EQ(h.endpoint().counters.retried, 8u);  // 4 failed attempts of 2 lines
}

TEST(HttpsSink, ChallengeFailureHoldsLinesUntilTheReceiverServesTheHash) {
  Receiver r;
  r.set_challenge("not the hash\n");
  auto s = sending_at_once(r);
  Harness h(s);
  h.push({"held"});
  ASSERT_TRUE(eventually(
      [&] { return h.endpoint().status.snapshot().state == EndpointState::kChallengeFailed; }));
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find(challenge_token("svc1")), std::string::npos);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(r.posts(), 0);
  r.set_challenge("x\n" + challenge_token("svc1") + "\n");
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 1; }));
  EXPECT_EQ(r.accepted()[0], "held");
  EXPECT_TRUE(
      eventually([&] { return h.endpoint().status.snapshot().state == EndpointState::kOk; }));
}

// A name that resolves to a denied address is refused at connect time, challenge included,
// with an error that names the address and the rule; the lines stay queued.
TEST(HttpsSink, TheDestinationPolicyRefusesTheResolvedAddressBeforeConnecting) {
  Receiver r;
  auto s = sending_at_once(r);
  std::string url = r.url();
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  s->url = url;
  SecurityConfig security;
  security.deny_networks = {"127.0.0.0/8", "::1"};
  auto policy = std::make_shared<const DestinationPolicy>(
      DestinationPolicy::create(security, {}, {}).value());
  Harness h(s, nullptr, "svc1", policy);
  h.push({"held"});
  ASSERT_TRUE(eventually([&] {
    auto snap = h.endpoint().status.snapshot();
    return snap.last_error.has_value() &&
           snap.last_error->message.find("is refused by the destination policy") !=
               std::string::npos;
  }));
  auto snap = h.endpoint().status.snapshot();
  EXPECT_EQ(snap.last_error->error_class, ErrorClass::kConfiguration);
  EXPECT_NE(snap.last_error->message.find("listed in [security] deny_networks"), std::string::npos)
      << snap.last_error->message;
  EXPECT_EQ(r.challenges(), 0);
  EXPECT_EQ(r.posts(), 0);
  EXPECT_EQ(h.endpoint().queue->depth().lines, 1u);
}

// The same client with the default policy reaches the receiver: the refusal above is the
// policy's doing, not the name's.
TEST(HttpsSink, TheDefaultPolicyAllowsLoopback) {
  Receiver r;
  auto s = sending_at_once(r);
  Harness h(s, nullptr, "svc1", std::make_shared<const DestinationPolicy>());
  h.push({"sent"});
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 1; }));
}

TEST(HttpsSink, EndpointsToOneOriginAskTheChallengeOnce) {
  Receiver r;
  auto cache = std::make_shared<ChallengeCache>();
  std::vector<std::unique_ptr<Harness>> endpoints;
  for (int i = 0; i < 4; ++i) {
    auto s = sending_at_once(r);
    endpoints.push_back(std::make_unique<Harness>(s, cache));
    endpoints.back()->push({"from " + std::to_string(i)});
  }
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 4; }));
  EXPECT_EQ(r.challenges(), 1) << "four endpoints, one origin, one GET";

  // An endpoint started later, once the origin is verified for the service, does not ask.
  auto s = sending_at_once(r);
  Harness late(s, cache);
  late.push({"late"});
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 5; }));
  EXPECT_EQ(r.challenges(), 1);

  // Without the shared cache each endpoint asks for itself.
  auto own = sending_at_once(r);
  Harness alone(own);
  alone.push({"alone"});
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 6; }));
  EXPECT_EQ(r.challenges(), 2);
}

TEST(HttpsSink, OneOriginsAnswerIsJudgedForEachService) {
  Receiver r;
  r.set_challenge(challenge_token("svc1") + "\n");
  auto cache = std::make_shared<ChallengeCache>();
  auto s1 = sending_at_once(r);
  auto s2 = sending_at_once(r);
  Harness ours(s1, cache, "svc1");
  Harness theirs(s2, cache, "svc2");
  ours.push({"svc1 line"});
  theirs.push({"svc2 line"});
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 1; }));
  EXPECT_EQ(r.accepted()[0], "svc1 line");
  ASSERT_TRUE(eventually([&] {
    return theirs.endpoint().status.snapshot().state == EndpointState::kChallengeFailed;
  }));
  auto snap = theirs.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find(challenge_token("svc2")), std::string::npos)
      << snap.last_error->message;
  EXPECT_EQ(ours.endpoint().status.snapshot().state, EndpointState::kOk);

  r.set_challenge(challenge_token("svc1") + "\n" + challenge_token("svc2") + "\n");
  ASSERT_TRUE(eventually([&] { return r.accepted().size() == 2; }));
  EXPECT_EQ(r.accepted()[1], "svc2 line");
}

TEST(HttpsSink, AdaptiveConcurrencyDeliversEverythingThroughErrors) {
  Receiver r;
  r.script({200, 200, 500, 200, 503});
  auto s = settings_for(r);
  s->delivery.adaptive_concurrency = true;
  s->delivery.concurrency = HttpDeliverySettings::kMaxConcurrency;
  s->delivery.request_max_entries = 10;
  s->delivery.period_seconds = 0;
  Harness h(s);
  for (int i = 0; i < 400; i += 20) h.push(numbered(i, i + 20));
  ASSERT_TRUE(eventually([&] { return h.endpoint().counters.delivered == 400; }));
  std::vector<std::string> lines;
  for (const auto& b : r.accepted()) {
    size_t start = 0;
    while (start <= b.size()) {
      size_t nl = b.find('\n', start);
      lines.push_back(b.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  std::sort(lines.begin(), lines.end());
  auto want = numbered(0, 400);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(lines, want);  // each line once
}

TEST(HttpsSink, StopGivesUnsentLinesBackInOrder) {
  Receiver r;
  r.set_challenge(std::nullopt);  // never verified: nothing leaves
  auto s = sending_at_once(r);
  {
    Harness h(s);
    h.push(numbered(0, 5));
    ASSERT_TRUE(eventually(
        [&] { return h.endpoint().status.snapshot().state == EndpointState::kChallengeFailed; }));
    EXPECT_EQ(h.endpoint().queue->depth().lines, 5u);
  }
  EXPECT_EQ(r.posts(), 0);
}

}  // namespace
}  // namespace sluice

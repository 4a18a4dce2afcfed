#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "queue/line_key.h"
#include "route/ingest_session.h"
#include "topology/topology.h"

namespace sluice {
namespace {

class IngestSessionTest : public ::testing::Test {
 protected:
  void load(std::string_view toml) {
    auto c = load_config_string(toml, "test.toml");
    ASSERT_TRUE(c.ok()) << c.error().message();
    config_ = std::move(*c);
    topology_ = std::make_unique<Topology>(TopologyOptions{});
    auto r = topology_->activate(config_);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }

  EndpointChannel& endpoint(std::string_view service, std::string_view name) {
    EndpointChannel* e = topology_->find_channel(std::string(service), std::string(name)).get();
    EXPECT_NE(e, nullptr);
    return *e;
  }

  std::vector<std::string> drain(EndpointChannel& e) {
    std::vector<std::string> out;
    Lease lease;
    while (e.queue->take(1000, 1 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
      e.queue->ack(lease);
    }
    return out;
  }

  Config config_;
  std::unique_ptr<Topology> topology_;
};

constexpr std::string_view kTwoEndpoints = R"toml(
[[service]]
id = "svc1"
  [[service.condition]]
  name = "errors_only"
  statement = "resp.status >= 400"
  [[service.logging]]
  type = "stdout"
  name = "all"
  format = '%>s %{req.url}V'
  [[service.logging]]
  type = "stdout"
  name = "errors"
  format = 'E %>s'
  response_condition = "errors_only"
  [[service.logging]]
  type = "stdout"
  name = "manual"
  placement = "none"
  format = 'never rendered'
)toml";

TEST_F(IngestSessionTest, RecordFansOutToAutomaticEndpointsWhoseConditionHolds) {
  load(kTwoEndpoints);
  IngestSession s(topology_->routes(), "svc1", PayloadKind::kAuto);
  ASSERT_TRUE(s.submit(R"({"resp.status":200,"req.url":"/ok"})").ok());
  ASSERT_TRUE(s.submit(R"({"resp.status":503,"req.url":"/bad"})").ok());
  EXPECT_TRUE(s.has_pending());
  ASSERT_TRUE(s.flush());
  EXPECT_FALSE(s.has_pending());
  EXPECT_EQ(drain(endpoint("svc1", "all")), (std::vector<std::string>{"200 /ok", "503 /bad"}));
  EXPECT_EQ(drain(endpoint("svc1", "errors")), (std::vector<std::string>{"E 503"}));
  EXPECT_TRUE(drain(endpoint("svc1", "manual")).empty());  // placement none: no automatic line
  EXPECT_EQ(endpoint("svc1", "all").counters.received.load(), 2u);
}

TEST_F(IngestSessionTest, LogStatementReachesPlacementNoneEndpointByExactName) {
  load(kTwoEndpoints);
  IngestSession s(topology_->routes(), "svc1", PayloadKind::kAuto);
  ASSERT_TRUE(s.submit("syslog svc1 manual :: hello world").ok());
  Status wrong_case = s.submit("syslog svc1 Manual :: lost");
  ASSERT_FALSE(wrong_case.ok());
  EXPECT_NE(wrong_case.error().message().find("has no endpoint \"Manual\""), std::string::npos);
  Status no_service = s.submit("syslog nope x :: lost");
  ASSERT_FALSE(no_service.ok());
  ASSERT_TRUE(s.flush());
  EXPECT_EQ(drain(endpoint("svc1", "manual")), (std::vector<std::string>{"hello world"}));
  auto unknown = topology_->unknown_counts();
  EXPECT_EQ((unknown[{"svc1", "Manual"}]), 1u);
  EXPECT_EQ((unknown[{"nope", "x"}]), 1u);
}

TEST_F(IngestSessionTest, RejectsWhatIsNeitherRecordNorStatementWithAReason) {
  load(kTwoEndpoints);
  IngestSession s(topology_->routes(), "svc1", PayloadKind::kAuto);
  Status bad_json = s.submit(R"({"resp.status":)");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().message().find("invalid JSON"), std::string::npos);
  Status neither = s.submit("hello there");
  ASSERT_FALSE(neither.ok());
  EXPECT_NE(neither.error().message().find("neither a log statement"), std::string::npos);
  IngestSession logs_only(topology_->routes(), "svc1", PayloadKind::kLog);
  EXPECT_FALSE(logs_only.submit(R"({"resp.status":200})").ok());
}

TEST_F(IngestSessionTest, LineRulesCutAndCountPerEndpoint) {
  load(R"toml(
[[service]]
id = "s"
max_line_bytes = 1024
  [[service.logging]]
  type = "stdout"
  name = "out"
  format = '%{req.url}V'
)toml");
  IngestSession s(topology_->routes(), "s", PayloadKind::kAuto);
  ASSERT_TRUE(s.submit(R"({"req.url":"/a\nb"})").ok());
  ASSERT_TRUE(s.submit("{\"req.url\":\"" + std::string(2000, 'x') + "\"}").ok());
  ASSERT_TRUE(s.submit("syslog s out :: first\nsecond").ok());
  ASSERT_TRUE(s.flush());
  auto lines = drain(endpoint("s", "out"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "/a");
  EXPECT_EQ(lines[1].size(), 1024u);
  EXPECT_EQ(lines[2], "first");
  EXPECT_EQ(endpoint("s", "out").counters.cut_at_newline.load(), 2u);
  EXPECT_EQ(endpoint("s", "out").counters.truncated.load(), 1u);
}

// A message the source's framer already cut (a syslog frame longer than it keeps) counts as cut
// at the length limit even when what is left fits the endpoint's limit; once per line.
TEST_F(IngestSessionTest, MessageCutBySourceIsCountedOnce) {
  load(R"toml(
[[service]]
id = "s"
max_line_bytes = 1024
  [[service.logging]]
  type = "stdout"
  name = "out"
  placement = "none"
)toml");
  IngestSession s(topology_->routes(), "s", PayloadKind::kAuto);
  ASSERT_TRUE(s.submit("syslog s out :: short but cut", /*cut=*/true).ok());
  ASSERT_TRUE(s.submit("syslog s out :: " + std::string(2000, 'x'), /*cut=*/true).ok());
  // Ended by a NUL before the source's cut: the cut took nothing from the line.
  ASSERT_TRUE(s.submit(std::string("syslog s out :: first\0rest", 26), /*cut=*/true).ok());
  ASSERT_TRUE(s.submit("syslog s out :: whole").ok());
  EXPECT_FALSE(s.submit(R"({"req.url":"/a)", /*cut=*/true).ok());  // a cut record: rejected
  ASSERT_TRUE(s.flush());
  auto lines = drain(endpoint("s", "out"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "short but cut");
  EXPECT_EQ(lines[1].size(), 1024u);
  EXPECT_EQ(lines[2], "first");
  EXPECT_EQ(lines[3], "whole");
  EXPECT_EQ(endpoint("s", "out").counters.truncated.load(), 2u);
  EXPECT_EQ(endpoint("s", "out").counters.cut_at_newline.load(), 1u);
}

TEST_F(IngestSessionTest, FullBlockingQueueKeepsLinesPendingUntilThereIsRoom) {
  load(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "stdout"
  name = "out"
  format = '%{req.url}V'
  queue_max_bytes = 65536
)toml");
  IngestSession s(topology_->routes(), "s", PayloadKind::kAuto);
  std::string big(1000, 'x');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(s.submit("{\"req.url\":\"" + big + "\"}").ok());
  EXPECT_FALSE(s.flush());  // 100 KB does not fit in 64 KiB
  EXPECT_TRUE(s.has_pending());
  auto first = drain(endpoint("s", "out"));
  EXPECT_EQ(first.size(), 65u);
  EXPECT_TRUE(s.flush());
  EXPECT_EQ(drain(endpoint("s", "out")).size(), 35u);
  EXPECT_EQ(endpoint("s", "out").counters.dropped[size_t(DropReason::kQueueFull)].load(), 0u);
}

TEST_F(IngestSessionTest, ALargeBatchMovesIntoTheQueueInSteps) {
  // A 4 MB request body must not pile up whole in the session: lines reach the queue every
  // megabyte, before the caller's own flush. A blocked queue keeps the rest pending.
  load(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "stdout"
  name = "out"
  format = '%{req.url}V'
  queue_max_bytes = 3145728
)toml");
  IngestSession s(topology_->routes(), "s", PayloadKind::kAuto);
  std::string big(1000, 'x');
  EndpointChannel& out = endpoint("s", "out");
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(s.submit("{\"req.url\":\"" + big + "\"}").ok());
  uint64_t queued = out.queue->depth().lines;
  EXPECT_GE(queued, 1000u);  // two early flushes at least
  EXPECT_LT(queued, 2000u);  // the rest waits for the caller's flush
  EXPECT_TRUE(s.flush());
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(s.submit("{\"req.url\":\"" + big + "\"}").ok());
  EXPECT_GT(out.queue->depth().lines, 3000u);  // full, and the rest held in the session
  EXPECT_TRUE(s.has_pending());
  EXPECT_FALSE(s.flush());
  size_t first = drain(out).size();
  EXPECT_TRUE(s.flush());
  EXPECT_EQ(first + drain(out).size(), 4000u);  // nothing lost, nothing twice
}

TEST_F(IngestSessionTest, DropNewestCountsDrops) {
  load(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "stdout"
  name = "out"
  format = '%{req.url}V'
  queue_max_bytes = 65536
  when_full = "drop_newest"
)toml");
  IngestSession s(topology_->routes(), "s", PayloadKind::kAuto);
  std::string big(1000, 'x');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(s.submit("{\"req.url\":\"" + big + "\"}").ok());
  EXPECT_TRUE(s.flush());
  EXPECT_EQ(endpoint("s", "out").counters.received.load(), 65u);
  EXPECT_EQ(endpoint("s", "out").counters.dropped[size_t(DropReason::kQueueFull)].load(), 35u);
}

TEST_F(IngestSessionTest, KeyedEndpointQueuesTheKeyBeforeTheLine) {
  load(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "kinesis"
  name = "k"
  topic = "logs"
  region = "us-east-1"
  access_key = "AKID"
  secret_key = "SECRET"
  partition_key = "%{req.http.host}V"
  format = '%{req.url}V'
)toml");
  IngestSession s(topology_->routes(), "svc1", PayloadKind::kAuto);
  std::string long_host(300, 'h');
  ASSERT_TRUE(s.submit(R"({"req.http.host":"a.example","req.url":"/x"})").ok());
  ASSERT_TRUE(s.submit(R"({"req.http.host":"two\nlines","req.url":"/y"})").ok());
  ASSERT_TRUE(s.submit(R"({"req.http.host":")" + long_host + R"(","req.url":"/z"})").ok());
  ASSERT_TRUE(s.submit("syslog svc1 k :: a statement").ok());
  ASSERT_TRUE(s.flush());
  using namespace std::string_literals;
  EXPECT_EQ(drain(endpoint("svc1", "k")),
            (std::vector<std::string>{"a.example\0/x"s, "two\0/y"s,
                                      std::string(kMaxLineKeyBytes, 'h') + "\0/z"s,
                                      "(null)\0a statement"s}));
  // The key's cuts are not the line's.
  EXPECT_EQ(endpoint("svc1", "k").counters.cut_at_newline.load(), 0u);
  EXPECT_EQ(endpoint("svc1", "k").counters.truncated.load(), 0u);
}

}  // namespace
}  // namespace sluice

#include "topology/topology.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>

#include "config/config_loader.h"
#include "route/ingest_session.h"
#include "sinks/file/config.h"
#include "sinks/sink.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// A sink that only records its life, so that the tests see which activations restart what.
struct SinkLog {
  std::mutex mu;
  std::vector<std::string> events;  // "start svc/name fingerprint-of-settings", "stop svc/name"
  void add(std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mu);
    return std::exchange(events, {});
  }
};

class RecordingSink final : public Sink {
 public:
  RecordingSink(SinkLog& log, std::string name, std::string path)
      : log_(log), name_(std::move(name)), path_(std::move(path)) {}
  void start() override { log_.add("start " + name_ + " " + path_); }
  void flush() override {}
  void stop() override { log_.add("stop " + name_); }

 private:
  SinkLog& log_;
  std::string name_;
  std::string path_;
};

std::string endpoint_toml(std::string_view name, std::string_view format,
                          std::string_view path = "/tmp/x.log", std::string_view extra = "") {
  return fmt::format(
      "[[service.logging]]\nname = \"{}\"\ntype = \"file\"\npath = \"{}\"\nformat = \"{}\"\n{}\n",
      name, path, format, extra);
}

std::string service_toml(std::string_view endpoints, std::string_view conditions = "") {
  return fmt::format("[[service]]\nid = \"svc\"\n{}\n{}", conditions, endpoints);
}

class TopologyTest : public ::testing::Test {
 protected:
  TopologyTest() {
    thread_ = std::thread([this] { loop_.run(); });
    make_topology("");
  }
  // A new topology; `storage_dir` non-empty: disk queues there.
  void make_topology(const std::string& storage_dir) {
    topology_.reset();
    TopologyOptions o;
    o.storage.dir = storage_dir;
    o.loops = {&loop_};
    o.make_sink = [this](SinkContext& ctx) -> std::unique_ptr<Sink> {
      // The path is the only type setting these tests change.
      const auto& settings = dynamic_cast<const FileSinkSettings&>(*ctx.config->settings);
      return std::make_unique<RecordingSink>(
          log_, ctx.endpoint.service_id + "/" + ctx.endpoint.name(), "\"" + settings.path + "\"");
    };
    topology_ = std::make_unique<Topology>(std::move(o));
  }
  ~TopologyTest() override {
    topology_.reset();
    work_.reset();
    loop_.stop();
    thread_.join();
  }

  Result<ActivationReport> activate(const std::string& toml) {
    auto config = load_config_string(toml, "test.toml");
    if (!config) return config.error();
    return topology_->activate(*config);
  }

  // Submits one record and flushes, as one ingest batch.
  void send(IngestSession& s, std::string_view record) {
    ASSERT_TRUE(s.submit_record(record, "svc").ok());
    ASSERT_TRUE(s.flush());
  }

  std::vector<std::string> drain(const std::string& name) {
    auto channel = topology_->find_channel("svc", name);
    std::vector<std::string> out;
    if (!channel) return out;
    Lease lease;
    while (channel->queue->take(1000, 1 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
      channel->queue->ack(lease);
    }
    return out;
  }

  boost::asio::io_context loop_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(loop_)};
  std::thread thread_;
  SinkLog log_;
  std::unique_ptr<Topology> topology_;
};

TEST_F(TopologyTest, FirstActivationStartsEveryChannel) {
  auto r = activate(service_toml(endpoint_toml("a", "A %>s") + endpoint_toml("b", "B %>s")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->generation, 1u);
  EXPECT_EQ(r->added, (std::vector<std::string>{"svc/a", "svc/b"}));
  EXPECT_EQ(log_.take(),
            (std::vector<std::string>{"start svc/a \"/tmp/x.log\"", "start svc/b \"/tmp/x.log\""}));
  EXPECT_EQ(topology_->generation(), 1u);
}

TEST_F(TopologyTest, FormatChangeKeepsChannelAndSinkAndAppliesToTheNextBatch) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "old %>s"))).ok());
  log_.take();
  auto before = topology_->find_channel("svc", "a");
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":200})");

  auto r = activate(service_toml(endpoint_toml("a", "new %>s")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->generation, 2u);
  EXPECT_EQ(r->replanned, std::vector<std::string>{"svc/a"});
  EXPECT_TRUE(r->restarted.empty());
  EXPECT_TRUE(log_.take().empty()) << "a format change restarts no sink";
  EXPECT_EQ(topology_->find_channel("svc", "a"), before) << "the channel (queue, counters) stays";

  send(s, R"({"resp.status":201})");
  EXPECT_EQ(drain("a"), (std::vector<std::string>{"old 200", "new 201"}));
  EXPECT_EQ(before->counters.received.load(), 2u);
}

TEST_F(TopologyTest, ConditionChangeTakesEffectWithoutRestart) {
  auto cond = [](std::string_view statement) {
    return fmt::format("[[service.condition]]\nname = \"c\"\nstatement = '{}'\n", statement);
  };
  ASSERT_TRUE(
      activate(service_toml(endpoint_toml("a", "%>s", "/tmp/x.log", "response_condition = \"c\""),
                            cond("resp.status == 200")))
          .ok());
  log_.take();
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":200})");
  send(s, R"({"resp.status":500})");
  auto r =
      activate(service_toml(endpoint_toml("a", "%>s", "/tmp/x.log", "response_condition = \"c\""),
                            cond("resp.status == 500")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->replanned, std::vector<std::string>{"svc/a"});
  EXPECT_TRUE(log_.take().empty());
  send(s, R"({"resp.status":200})");
  send(s, R"({"resp.status":500})");
  EXPECT_EQ(drain("a"), (std::vector<std::string>{"200", "500"}));
}

TEST_F(TopologyTest, SettingsChangeRestartsOnlyThatSinkAndKeepsItsQueue) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "%>s", "/tmp/one.log") +
                                    endpoint_toml("b", "%>s", "/tmp/b.log")))
                  .ok());
  log_.take();
  auto channel = topology_->find_channel("svc", "a");
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":200})");

  auto r = activate(service_toml(endpoint_toml("a", "%>s", "/tmp/two.log") +
                                 endpoint_toml("b", "%>s", "/tmp/b.log")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->restarted, std::vector<std::string>{"svc/a"});
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"stop svc/a", "start svc/a \"/tmp/two.log\""}));
  EXPECT_EQ(topology_->find_channel("svc", "a"), channel);
  EXPECT_EQ(drain("a"), std::vector<std::string>{"200"})
      << "the queued line waits for the new sink";
}

TEST_F(TopologyTest, KeyOrderOfTheFileDoesNotRestartASink) {
  ASSERT_TRUE(activate("[[service]]\nid = \"svc\"\n[[service.logging]]\nname = \"a\"\ntype = "
                       "\"file\"\npath = \"/tmp/x.log\"\nperiod = 2\n")
                  .ok());
  log_.take();
  auto r = activate(
      "[[service]]\nid = \"svc\"\n[[service.logging]]\nperiod = 2\npath = "
      "\"/tmp/x.log\"\ntype = \"file\"\nname = \"a\"\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->restarted.empty());
  EXPECT_TRUE(log_.take().empty());
}

TEST_F(TopologyTest, AddedEndpointGetsOnlyBatchesRoutedAfterActivation) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a %>s"))).ok());
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":1})");
  auto r = activate(service_toml(endpoint_toml("a", "a %>s") + endpoint_toml("b", "b %>s")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->added, std::vector<std::string>{"svc/b"});
  send(s, R"({"resp.status":2})");
  EXPECT_EQ(drain("a"), (std::vector<std::string>{"a 1", "a 2"}));
  EXPECT_EQ(drain("b"), std::vector<std::string>{"b 2"});
}

TEST_F(TopologyTest, ABatchIsRoutedEntirelyByTheVersionItStartedWith) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "v1 %>s"))).ok());
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  ASSERT_TRUE(s.submit_record(R"({"resp.status":1})", "svc").ok());
  EXPECT_EQ(s.generation(), 1u);
  // Activated in the middle of the batch: the rest of the batch still uses version 1.
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "v2 %>s"))).ok());
  ASSERT_TRUE(s.submit_record(R"({"resp.status":2})", "svc").ok());
  ASSERT_TRUE(s.flush());
  EXPECT_EQ(s.generation(), 0u) << "a flushed session holds no version";
  send(s, R"({"resp.status":3})");
  EXPECT_EQ(drain("a"), (std::vector<std::string>{"v1 1", "v1 2", "v2 3"}));
}

TEST_F(TopologyTest, RemovedEndpointDrainsOnlyAfterItsLastBatchIsQueued) {
  ASSERT_TRUE(
      activate(service_toml(endpoint_toml("a", "a %>s") + endpoint_toml("b", "b %>s"))).ok());
  log_.take();
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  ASSERT_TRUE(s.submit_record(R"({"resp.status":1})", "svc").ok());  // batch open, via version 1
  auto r = activate(service_toml(endpoint_toml("a", "a %>s")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->removed, std::vector<std::string>{"svc/b"});

  auto now = std::chrono::steady_clock::now();
  topology_->tick(now, 10s);
  ASSERT_NE(topology_->find_channel("svc", "b"), nullptr) << "a batch can still reach it";
  EXPECT_TRUE(log_.take().empty());
  auto views = topology_->channels();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_TRUE(views[1].retiring);

  ASSERT_TRUE(s.flush());
  topology_->tick(now, 10s);
  ASSERT_NE(topology_->find_channel("svc", "b"), nullptr) << "its line waits to be delivered";
  EXPECT_EQ(drain("b"), std::vector<std::string>{"b 1"});  // what its sink would do
  topology_->tick(now, 10s);
  EXPECT_EQ(topology_->find_channel("svc", "b"), nullptr);
  EXPECT_EQ(log_.take(), std::vector<std::string>{"stop svc/b"});
  send(s, R"({"resp.status":2})");
  EXPECT_EQ(drain("a"), (std::vector<std::string>{"a 1", "a 2"}));
}

TEST_F(TopologyTest, RemovedEndpointClosesAtTheGraceWithItsLinesReported) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a") + endpoint_toml("b", "b"))).ok());
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":1})");
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a"))).ok());
  auto now = std::chrono::steady_clock::now();
  topology_->tick(now, 5s);  // draining starts; the grace runs from here
  topology_->tick(now + 4s, 5s);
  EXPECT_NE(topology_->find_channel("svc", "b"), nullptr);
  topology_->tick(now + 5s, 5s);
  EXPECT_EQ(topology_->find_channel("svc", "b"), nullptr);
}

// A removed endpoint whose queue is full (and blocks) must not hold up ingest forever: at the
// grace, the batches still waiting for it drop their lines for it, counted, and finish.
TEST_F(TopologyTest, BatchesStuckOnARemovedFullQueueFinishAtTheGrace) {
  ASSERT_TRUE(
      activate(service_toml(endpoint_toml("a", "a") +
                            endpoint_toml("b", "b", "/tmp/x.log", "queue_max_bytes = \"64KiB\"")))
          .ok());
  auto b = topology_->find_channel("svc", "b");
  IngestSession s(topology_->routes(), "", PayloadKind::kLog);
  std::string message(1000, 'x');
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(s.submit_log_statement("syslog svc b :: " + message).ok());
  }
  ASSERT_FALSE(s.flush()) << "the queue is full: the rest waits";
  uint64_t waiting = 100 - b->counters.received.load();
  ASSERT_GT(waiting, 0u);

  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a"))).ok());
  auto now = std::chrono::steady_clock::now();
  topology_->tick(now, 5s);
  ASSERT_FALSE(s.flush()) << "within the grace the batch still waits for room";
  topology_->tick(now + 5s, 5s);
  ASSERT_TRUE(s.flush()) << "past the grace its lines for the removed endpoint are dropped";
  EXPECT_EQ(b->counters.dropped[size_t(DropReason::kEndpointRemoved)].load(), waiting);
  topology_->tick(now + 5s, 5s);
  EXPECT_EQ(topology_->find_channel("svc", "b"), nullptr) << "then it closes";
}

TEST_F(TopologyTest, ReAddedWhileRetiringGetsItsChannelBack) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a") + endpoint_toml("b", "b"))).ok());
  auto b = topology_->find_channel("svc", "b");
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":1})");
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a"))).ok());
  auto r = activate(service_toml(endpoint_toml("a", "a") + endpoint_toml("b", "b2")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->added, std::vector<std::string>{"svc/b"});
  topology_->tick(std::chrono::steady_clock::now() + 1h, 1s);
  EXPECT_EQ(topology_->find_channel("svc", "b"), b);
  send(s, R"({"resp.status":2})");
  EXPECT_EQ(drain("b"), (std::vector<std::string>{"b", "b2"}));
}

TEST_F(TopologyTest, RemovedDiskQueuedEndpointKeepsItsLinesOnDiskUntilItIsAddedAgain) {
  std::string dir = ::testing::TempDir() + "topology_disk_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  make_topology(dir);
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a") + endpoint_toml("b", "b %>s"))).ok());
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":1})");
  send(s, R"({"resp.status":2})");
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a"))).ok());
  auto now = std::chrono::steady_clock::now();
  topology_->tick(now, 1s);
  topology_->tick(now + 1s, 1s);  // nothing delivered them: closed at the grace, left on disk
  ASSERT_EQ(topology_->find_channel("svc", "b"), nullptr);

  auto r = activate(service_toml(endpoint_toml("a", "a") + endpoint_toml("b", "b %>s")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->added, std::vector<std::string>{"svc/b"});
  EXPECT_EQ(drain("b"), (std::vector<std::string>{"b 1", "b 2"}));
  topology_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(TopologyTest, RenamedEndpointIsARemovalAndAnAddition) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("old", "x"))).ok());
  log_.take();
  auto r = activate(service_toml(endpoint_toml("new", "x")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->added, std::vector<std::string>{"svc/new"});
  EXPECT_EQ(r->removed, std::vector<std::string>{"svc/old"});
  topology_->tick(std::chrono::steady_clock::now(), 1s);
  EXPECT_EQ(topology_->find_channel("svc", "old"), nullptr);
  EXPECT_EQ(log_.take(),
            (std::vector<std::string>{"start svc/new \"/tmp/x.log\"", "stop svc/old"}));
}

TEST_F(TopologyTest, RefusedVersionChangesNothing) {
  ASSERT_TRUE(activate(service_toml(endpoint_toml("a", "a %>s"))).ok());
  log_.take();
  Config bad = load_config_string(service_toml(endpoint_toml("a", "a %>s")), "t").value();
  // Past the loader's checks (as an API body could be): two endpoints whose formats fail.
  bad.services[0].endpoints[0].format = "%{nope(}V";
  bad.services[0].endpoints.push_back(bad.services[0].endpoints[0]);
  bad.services[0].endpoints[1].name = "b";
  auto r = topology_->activate(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("endpoint \"a\" field \"format\""), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("endpoint \"b\" field \"format\""), std::string::npos)
      << "every error, not the first";
  EXPECT_EQ(topology_->generation(), 1u);
  EXPECT_TRUE(log_.take().empty());
  IngestSession s(topology_->routes(), "svc", PayloadKind::kRecord);
  send(s, R"({"resp.status":7})");
  EXPECT_EQ(drain("a"), std::vector<std::string>{"a 7"});
  EXPECT_EQ(topology_->find_channel("svc", "b"), nullptr);
}

TEST_F(TopologyTest, RoutingFindsAServiceAmongManyAndTouchesOnlyItsEndpoints) {
  std::string toml;
  for (int i = 0; i < 1000; ++i) {
    toml += fmt::format("[[service]]\nid = \"s{}\"\n{}", i, endpoint_toml("e", "%>s"));
  }
  ASSERT_TRUE(activate(toml).ok());
  auto table = topology_->routes().current();
  ASSERT_EQ(table->slot_count(), 1000u);
  IngestSession s(topology_->routes(), "", PayloadKind::kLog);
  ASSERT_TRUE(s.submit_log_statement("syslog s999 e :: last").ok());
  ASSERT_TRUE(s.submit_log_statement("syslog s0 e :: first").ok());
  ASSERT_TRUE(s.flush());
  EXPECT_EQ(topology_->find_channel("s999", "e")->counters.received.load(), 1u);
  EXPECT_EQ(topology_->find_channel("s0", "e")->counters.received.load(), 1u);
  EXPECT_EQ(topology_->find_channel("s500", "e")->counters.received.load(), 0u);
}

}  // namespace
}  // namespace sluice

// The kinesis sink's handling of a call refused as a whole (ValidationException): its records are
// sent again one per call, and only the one Kinesis refuses alone goes to the dead letter. No
// Kinesis peer refuses a record this way for lines sluice can queue, so a small fake answers
// here, on loopback, with sluice's own HTTP server.
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "../loopback_http_server.h"
#include "net/http_server.h"
#include "queue/endpoint_queue.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/sink.h"
#include "topology/endpoint_channel.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// One shard. PutRecords: 400 ValidationException for any call holding the line "BAD" (base64
// "QkFE"), success for every entry otherwise.
class FakeKinesis {
 public:
  std::string url() const { return server_.url(); }
  std::vector<size_t> call_sizes() {
    std::lock_guard<std::mutex> l(mu_);
    return call_sizes_;
  }
  size_t written() {
    std::lock_guard<std::mutex> l(mu_);
    return written_;
  }

 private:
  HttpResponse handle(HttpRequest& r) {
    std::string target;
    for (const auto& [name, value] : r.headers) {
      if (name == "X-Amz-Target" || name == "x-amz-target") target = value;
    }
    HttpResponse resp;
    resp.content_type = "application/x-amz-json-1.1";
    if (target == "Kinesis_20131202.ListShards") {
      resp.body =
          R"({"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0",)"
          R"("EndingHashKey":"340282366920938463463374607431768211455"},)"
          R"("SequenceNumberRange":{"StartingSequenceNumber":"1"}}]})";
      return resp;
    }
    size_t records = count(r.body, "\"Data\"");
    std::lock_guard<std::mutex> l(mu_);
    call_sizes_.push_back(records);
    if (r.body.find("\"Data\":\"QkFE\"") != std::string::npos) {
      resp.status = 400;
      resp.body = R"({"__type":"ValidationException","message":"1 validation error detected"})";
      return resp;
    }
    written_ += records;
    resp.body = R"({"FailedRecordCount":0,"Records":[)";
    for (size_t i = 0; i < records; ++i) {
      resp.body += i ? "," : "";
      resp.body += R"({"SequenceNumber":"1","ShardId":"shardId-000000000000"})";
    }
    resp.body += "]}";
    return resp;
  }

  std::mutex mu_;
  std::vector<size_t> call_sizes_;
  size_t written_ = 0;
  // Last: destroyed first, so no request is handled once the state above is gone.
  testing::LoopbackHttpServer server_{[this](HttpRequest& r) { return handle(r); }};
};

TEST(KinesisSink, ACallRefusedAsAWholeIsSplitAndOnlyTheBadRecordIsDeadLettered) {
  FakeKinesis fake;
  auto settings = std::make_shared<KinesisSinkSettings>();
  settings->topic = "logs";
  settings->region = "us-east-1";
  settings->access_key = "AKIDEXAMPLE";
  settings->secret_key = "secret";
  settings->endpoint_url = fake.url();
  settings->parsed_endpoint = parse_http_url(fake.url()).value();
  settings->period_seconds = 0;
  settings->max_backoff_seconds = 0.1;
  auto config = std::make_shared<EndpointConfig>();
  config->type = "kinesis";
  config->name = "to_kinesis";
  config->settings = settings;
  EndpointChannel endpoint("svc1", "to_kinesis", make_memory_queue(64 << 20, WhenFull::kBlock));
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  SinkContext ctx{endpoint, config, io, "testhost"};
  KinesisSinkOptions options;
  options.initial_backoff = 10ms;
  auto sink = make_kinesis_sink(ctx, options);
  ASSERT_NE(sink, nullptr);

  LineBatch batch;
  for (const char* line : {"one", "two", "BAD", "four", "five"}) batch.add(line);
  ASSERT_EQ(endpoint.queue->push(batch).accepted, 5u);
  sink->start();
  std::thread thread([&] { io.run(); });

  bool settled = eventually([&] { return endpoint.queue->depth().lines == 0; });
  work.reset();
  io.stop();
  thread.join();
  sink->stop();
  ASSERT_TRUE(settled);

  EXPECT_EQ(fake.written(), 4u);
  EXPECT_EQ(endpoint.counters.delivered.load(), 4u);
  EXPECT_EQ(endpoint.counters.dropped[size_t(DropReason::kPermanentError)].load(), 1u);
  // The first call held all five; after it was refused, every call held one record.
  std::vector<size_t> sizes = fake.call_sizes();
  ASSERT_GE(sizes.size(), 6u);
  EXPECT_EQ(sizes.front(), 5u);
  for (size_t i = 1; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 1u) << "call " << i;
  auto snap = endpoint.status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("ValidationException"), std::string::npos)
      << snap.last_error->message;
}

}  // namespace
}  // namespace sluice

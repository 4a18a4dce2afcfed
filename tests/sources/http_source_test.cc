#include "sources/http/http_source.h"
#include "sources/http/ingest_api_router.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../net/http_test_client.h"
#include "compress_for_test.h"
#include "source_harness.h"

namespace sluice {
namespace {

using testing::ClientResponse;
using testing::HttpTestClient;
using testing::SourceHarness;

constexpr std::string_view kConfig = R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "requests"
  path = "/dev/null"
  format = '%m %U %>s'
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  placement = "none"

[[service]]
id = "svc2"
  [[service.logging]]
  type = "file"
  name = "only"
  path = "/dev/null"
  format = '%{req.url}V'
)toml";

SourceConfig http_config(uint64_t max_body = 1 << 20) {
  SourceConfig c;
  c.type = SourceType::kHttp;
  c.listen = {"127.0.0.1", 0};
  c.max_body_bytes = max_body;
  return c;
}

class HttpSourceTest : public ::testing::Test {
 protected:
  void start(std::string_view toml = kConfig, uint64_t max_body = 1 << 20) {
    harness_ = std::make_unique<SourceHarness>(toml);
    ASSERT_TRUE(harness_->ok());
    config_ = http_config(max_body);
    source_ = std::make_unique<HttpSource>(harness_->context(config_),
                                           std::make_unique<IngestApiRouter>(harness_->routes()));
    Status s = source_->start();
    ASSERT_TRUE(s.ok()) << s.error().message();
  }
  void TearDown() override { source_.reset(); }

  SourceConfig config_;
  std::unique_ptr<SourceHarness> harness_;
  std::unique_ptr<HttpSource> source_;
};

TEST_F(HttpSourceTest, RecordsForAService) {
  start();
  EXPECT_EQ(source_->describe(), fmt::format("http 127.0.0.1:{}", source_->port()));
  HttpTestClient client(source_->port());
  std::string body = R"({"req.method":"GET","req.url":"/a?x=1","resp.status":200})"
                     "\n"
                     R"({"req.method":"POST","req.url":"/b","resp.status":503})"
                     "\r\n"
                     "\n"
                     R"({"req.method":"GET","req.url":"/c","resp.status":)"
                     "\n";
  ClientResponse r = client.request("POST", "/ingest/svc1/requests", body);
  EXPECT_EQ(r.status, 202) << r.error << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body.substr(0, 62),
            R"({"accepted":2,"rejected":1,"dropped":0,"errors":[{"line":4,"re)")
      << r.body;
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc1", "requests"), 2),
            (std::vector<std::string>{"GET /a 200", "POST /b 503"}));
  EXPECT_EQ(harness_->counters().messages.load(), 3u);
  EXPECT_EQ(harness_->counters().rejected.load(), 1u);
  EXPECT_EQ(harness_->counters().bytes.load(), body.size());

  // The service in the path decides; the other service's endpoints see nothing of svc1.
  r = client.request("POST", "/ingest/svc2/requests?ignored=1", R"({"req.url":"/two"})");
  EXPECT_EQ(r.body, "{\"accepted\":1,\"rejected\":0,\"dropped\":0,\"errors\":[]}\n");
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc2", "only"), 1),
            std::vector<std::string>{"/two"});
  EXPECT_TRUE(SourceHarness::take_all(harness_->endpoint("svc1", "requests")).empty());
}

TEST_F(HttpSourceTest, CompressedBodiesWithTheLimitOnTheDecodedSize) {
  start(kConfig, 64 * 1024);
  HttpTestClient client(source_->port());
  std::string records;
  for (int i = 0; i < 3; ++i) records += fmt::format(R"({{"req.url":"/gz{}"}})", i) + "\n";
  ClientResponse r = client.request("POST", "/ingest/svc2/requests", testing::gzip(records),
                                    {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "{\"accepted\":3,\"rejected\":0,\"dropped\":0,\"errors\":[]}\n");
  r = client.request("POST", "/ingest/svc2/requests", testing::zstd(R"({"req.url":"/zs"})"),
                     {{"content-encoding", "ZSTD"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc2", "only"), 4),
            (std::vector<std::string>{"/gz0", "/gz1", "/gz2", "/zs"}));

  // 1 MiB of newlines is a few KB gzipped, under the 64 KiB body limit; decoded it is over.
  std::string bomb = testing::gzip(std::string(1 << 20, '\n'), 9);
  ASSERT_LT(bomb.size(), 64u * 1024);
  r = client.request("POST", "/ingest/svc2/requests", bomb, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("decodes to more than the limit of 65536 bytes"), std::string::npos);
  r = client.request("POST", "/ingest/svc2/requests", "not gzip at all",
                     {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = client.request("POST", "/ingest/svc2/requests", records, {{"Content-Encoding", "br"}});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(r.body.find(R"(Content-Encoding \"br\" is not supported)"), std::string::npos);
  // None of the refused bodies put a line anywhere, and the source still ingests.
  r = client.request("POST", "/ingest/svc2/requests", R"({"req.url":"/after"})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc2", "only"), 1),
            std::vector<std::string>{"/after"});
}

TEST_F(HttpSourceTest, LogStatementsPlainAndJsonStrings) {
  start();
  HttpTestClient client(source_->port());
  std::string body =
      "syslog svc1 logs :: plain line\n"
      R"("syslog svc1 logs :: json \"quoted\" \u00e9")"
      "\n"
      "syslog svc1 nope :: unknown endpoint\n"
      R"("syslog svc1 logs :: bad \x")"
      "\n"
      "not a statement";
  ClientResponse r = client.request("POST", "/ingest/logs", body);
  EXPECT_EQ(r.status, 202) << r.error;
  EXPECT_NE(r.body.find(R"("accepted":2,"rejected":3)"), std::string::npos) << r.body;
  EXPECT_NE(
      r.body.find(R"({"line":3,"reason":"dropped: service \"svc1\" has no endpoint \"nope\")"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"line":4,"reason":"unknown escape '\\x')"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"line":5,"reason":"not a log statement)"), std::string::npos) << r.body;
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc1", "logs"), 2),
            (std::vector<std::string>{"plain line", "json \"quoted\" \xC3\xA9"}));
}

TEST_F(HttpSourceTest, ErrorsListIsCapped) {
  start();
  HttpTestClient client(source_->port());
  std::string body;
  for (int i = 0; i < 500; ++i) body += "{bad\n";
  body += R"({"req.url":"/ok"})";
  ClientResponse r = client.request("POST", "/ingest/svc1/requests", body);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body.substr(0, 51), R"({"accepted":1,"rejected":500,"dropped":0,"errors":[)");
  size_t reported = 0;
  for (size_t pos = 0; (pos = r.body.find("\"line\":", pos)) != std::string::npos; ++pos) {
    ++reported;
  }
  EXPECT_EQ(reported, 100u);
}

TEST_F(HttpSourceTest, PathsMethodsAndServices) {
  start(kConfig, 4096);
  HttpTestClient client(source_->port());
  ClientResponse r = client.request("POST", "/ingest/nosuch/requests", "{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"unknown service \\\"nosuch\\\"\"}\n");
  for (std::string path : {"/", "/ingest", "/ingest/svc1", "/ingest/svc1/records",
                           "/ingest//requests", "/ingest/a/b/requests", "/ingest/logs/x"}) {
    r = client.request("POST", path, "x");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("no such path"), std::string::npos) << r.body;
  }
  r = client.request("GET", "/ingest/logs");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST");
  r = client.request("PUT", "/ingest/svc1/requests", "{}");
  EXPECT_EQ(r.status, 405);

  HttpTestClient big(source_->port());
  r = big.request("POST", "/ingest/logs", std::string(5000, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("larger than the limit of 4096 bytes"), std::string::npos) << r.body;
  EXPECT_EQ(harness_->counters().messages.load(), 0u);
}

TEST_F(HttpSourceTest, ABodyOfOnlyBadLinesIs400WithTheErrors) {
  start();
  HttpTestClient client(source_->port());
  ClientResponse r = client.request("POST", "/ingest/svc1/requests", "{bad\nnot json\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.substr(0, 50), R"({"accepted":0,"rejected":2,"dropped":0,"errors":[{)")
      << r.body;
  r = client.request("POST", "/ingest/logs", "syslog nope x :: y\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"(no service \"nope\")"), std::string::npos) << r.body;
  // An empty body is not an error: nothing was sent, nothing was refused.
  r = client.request("POST", "/ingest/logs", "");
  EXPECT_EQ(r.status, 202);
}

// A Transfer-Encoding other than chunked would leave the body to be parsed as the next request
// (request smuggling): 400, and the connection is closed.
TEST_F(HttpSourceTest, TransferEncodingOtherThanChunkedIs400AndCloses) {
  start();
  const std::string smuggled =
      "POST /ingest/logs HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-ndjson\r\nTransfer-Encoding: gzip\r\n\r\n"
      "POST /ingest/logs HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-ndjson\r\nContent-Length: 19\r\n\r\n"
      "syslog svc1 logs :: smuggled\n";
  HttpTestClient client(source_->port());
  ClientResponse r = client.raw(smuggled);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"(Transfer-Encoding \"gzip\" is not supported)"), std::string::npos)
      << r.body;
  EXPECT_EQ(client.read_response().status, 0);  // no second answer: the connection closed
  HttpTestClient both(source_->port());
  r = both.raw(
      "POST /ingest/logs HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-ndjson\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(SourceHarness::take_all(harness_->endpoint("svc1", "logs")).empty());
  // Chunked alone is fine.
  HttpTestClient chunked(source_->port());
  r = chunked.raw(
      "POST /ingest/logs HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1a\r\nsyslog svc1 logs :: ok ch\n\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(SourceHarness::wait_lines(harness_->endpoint("svc1", "logs"), 1),
            std::vector<std::string>{"ok ch"});
}

// when_full = block: a request whose lines do not all fit is accepted (the lines wait with the
// source), later requests get 503 + Retry-After until the queue has room, and nothing accepted
// is lost.
TEST_F(HttpSourceTest, OnlyJsonContentTypesAreIngested) {
  // What a web page can send cross-site without a preflight is refused, so it cannot post here.
  start();
  HttpTestClient client(source_->port());
  EndpointChannel& logs = harness_->endpoint("svc1", "logs");
  std::string line = "syslog svc1 logs :: typed\n";
  for (const char* type :
       {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x"}) {
    ClientResponse r = client.request("POST", "/ingest/logs", line, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_NE(r.body.find(std::string("not \\\"") + type), std::string::npos) << r.body;
  }
  ClientResponse none = HttpTestClient(source_->port())
                            .raw("POST /ingest/logs HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                 std::to_string(line.size()) + "\r\n\r\n" + line);
  EXPECT_EQ(none.status, 415);
  EXPECT_NE(none.body.find("not none"), std::string::npos) << none.body;
  EXPECT_TRUE(SourceHarness::take_all(logs).empty());
  for (const char* type : {"application/x-ndjson", "application/json; charset=utf-8",
                           "Application/JSON", "application/jsonlines", "application/vnd.x+json"}) {
    ClientResponse r = client.request("POST", "/ingest/logs", line, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 202) << type << r.body;
  }
  EXPECT_EQ(SourceHarness::wait_lines(logs, 5).size(), 5u);
}

TEST_F(HttpSourceTest, FullQueueAnswers503AndLosesNothing) {
  start(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  queue_max_bytes = 65536
)toml",
        16 << 20);
  EndpointChannel& logs = harness_->endpoint("svc1", "logs");
  HttpTestClient client(source_->port());
  std::string body;
  constexpr int kLines = 2000;  // ~200 KB: three times the queue
  for (int i = 0; i < kLines; ++i)
    body += fmt::format("syslog svc1 logs :: {:05} {}\n", i, std::string(80, 'q'));
  ClientResponse first = client.request("POST", "/ingest/logs", body);
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(
      first.body,
      fmt::format("{{\"accepted\":{},\"rejected\":0,\"dropped\":0,\"errors\":[]}}\n", kLines));

  ClientResponse refused = client.request("POST", "/ingest/logs", "syslog svc1 logs :: later\n");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers["retry-after"], "1");
  EXPECT_NE(refused.body.find("queues are full"), std::string::npos);

  // Drain like a sink: the held lines follow, in order, then new requests are taken again.
  auto lines = SourceHarness::wait_lines(logs, kLines, std::chrono::milliseconds(10000));
  ASSERT_EQ(lines.size(), size_t(kLines));
  for (int i = 0; i < kLines; i += 111) {
    EXPECT_EQ(lines[size_t(i)], fmt::format("{:05} {}", i, std::string(80, 'q')));
  }
  ClientResponse again;
  ASSERT_TRUE(SourceHarness::eventually([&] {
    again = client.request("POST", "/ingest/logs", "syslog svc1 logs :: later\n");
    return again.status == 202;
  }));
  EXPECT_EQ(SourceHarness::wait_lines(logs, 1), std::vector<std::string>{"later"});
}

TEST_F(HttpSourceTest, DropPoliciesCountDroppedLinesInTheAnswer) {
  // Two endpoints: a record reaches both, and counts as dropped once if either dropped it.
  start(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "small"
  path = "/dev/null"
  format = '%U'
  queue_max_bytes = 65536
  when_full = "drop_newest"
  [[service.logging]]
  type = "file"
  name = "big"
  path = "/dev/null"
  format = '%U'
  queue_max_bytes = 1048576
  when_full = "drop_newest"
)toml",
        16 << 20);
  HttpTestClient client(source_->port());
  std::string body;
  constexpr int kRecords = 400;  // 120 KB of lines per endpoint: twice what "small" takes
  for (int i = 0; i < kRecords; ++i)
    body += fmt::format("{{\"req.url\":\"/{:04}{}\"}}\n", i, std::string(300, 'u'));
  ClientResponse r = client.request("POST", "/ingest/svc1/requests", body);
  EXPECT_EQ(r.status, 202) << r.body;
  EndpointChannel& small = harness_->endpoint("svc1", "small");
  uint64_t queued = small.queue->depth().lines;
  uint64_t dropped = small.counters.dropped[size_t(DropReason::kQueueFull)].load();
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(queued + dropped, uint64_t(kRecords));
  EXPECT_EQ(r.body, fmt::format("{{\"accepted\":{},\"rejected\":0,\"dropped\":{},\"errors\":[]}}\n",
                                queued, dropped));

  // Nothing fits any more: every line is dropped, and the answer is 503, not 202.
  ClientResponse none = client.request("POST", "/ingest/svc1/requests", body);
  EXPECT_EQ(none.status, 503) << none.body;
  EXPECT_EQ(none.headers["retry-after"], "1");
  EXPECT_EQ(
      none.body,
      fmt::format("{{\"accepted\":0,\"rejected\":0,\"dropped\":{},\"errors\":[]}}\n", kRecords));
}

}  // namespace
}  // namespace sluice

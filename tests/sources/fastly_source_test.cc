// The Fastly HTTPS log receiver (source type "fastly") through the real HTTP server: the
// challenge, the Fastly-style batches of tests/data/fastly (each json_format and message_type,
// PUT, gzip, a custom header), lines for an endpoint, and its refusals.

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../net/http_test_client.h"
#include "config/config_loader.h"
#include "source_harness.h"
#include "sources/fastly/fastly_batch.h"
#include "sources/fastly/fastly_router.h"
#include "sources/http/http_source.h"

namespace sluice {
namespace {

using testing::ClientResponse;
using testing::HttpTestClient;
using testing::SourceHarness;

constexpr std::string_view kServices = R"toml(
[[service]]
id = "edge"
  [[service.logging]]
  type = "file"
  name = "requests"
  path = "/dev/null"
  format = '%m %{req.url}V %>s'
  [[service.logging]]
  type = "file"
  name = "raw"
  path = "/dev/null"
  placement = "none"
)toml";

// What a Fastly source in a configuration file becomes, so the loader's defaults are tested too.
SourceConfig fastly_config(std::string_view fields) {
  auto config = load_config_string(
      fmt::format("{}\n[[source]]\ntype = \"fastly\"\nlisten = \"127.0.0.1:0\"\n{}\n", kServices,
                  fields),
      "fastly.toml");
  if (!config) {
    ADD_FAILURE() << config.error().message();
    return {};
  }
  return config->sources.at(0);
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SLUICE_TEST_DATA_DIR) + "/fastly/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FastlySourceTest : public ::testing::Test {
 protected:
  void start(std::string_view fields) {
    harness_ = std::make_unique<SourceHarness>(kServices);
    ASSERT_TRUE(harness_->ok());
    config_ = fastly_config(fields);
    source_ = std::make_unique<HttpSource>(harness_->context(config_),
                                           std::make_unique<FastlyRouter>(config_));
    Status s = source_->start();
    ASSERT_TRUE(s.ok()) << s.error().message();
  }
  void TearDown() override { source_.reset(); }

  std::vector<std::string> requests(size_t n) {
    return SourceHarness::wait_lines(harness_->endpoint("edge", "requests"), n);
  }

  SourceConfig config_;
  std::unique_ptr<SourceHarness> harness_;
  std::unique_ptr<HttpSource> source_;
};

const std::vector<std::string> kRendered = {"GET /index.html 200", "POST /api/v1/items?id=7 201",
                                            "GET /caf\xc3\xa9 \"menu\" 404"};

TEST_F(FastlySourceTest, ChallengeAnswersEveryAcceptedService) {
  start(R"(service = "edge"
fastly_service_ids = ["SU1Z0isxPaozGVKXdv0eY", "YOUR_FASTLY_SERVICE_ID"])");
  HttpTestClient client(source_->port());
  ClientResponse r = client.request("GET", "/.well-known/fastly/logging/challenge");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain");
  // `echo -n ID | sha256sum` for each id, one a line.
  EXPECT_EQ(r.body,
            "66b01d440c79400570c755aad9d589af5368719067c13fee58710a7198db2de8\n"
            "10f7dcc09e27646645057d43e589f9786f510ac57fce19f75937ff666d1d09af\n");
  r = client.request("POST", "/.well-known/fastly/logging/challenge", "x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET");
}

TEST_F(FastlySourceTest, ChallengeWithAStarAcceptsAnyService) {
  start(R"(service = "edge"
fastly_service_ids = ["*"])");
  HttpTestClient client(source_->port());
  EXPECT_EQ(client.request("GET", "/.well-known/fastly/logging/challenge?x=1").body, "*\n");
}

TEST_F(FastlySourceTest, EachJsonFormatAndMessageTypeAsRecords) {
  start(R"(service = "edge"
fastly_service_ids = ["*"])");
  for (const char* name : {"json_format_0_classic.http", "json_format_1_blank_put.http",
                           "json_format_2_loggly.http", "json_format_2_logplex_gzip.http"}) {
    SCOPED_TRACE(name);
    HttpTestClient client(source_->port());
    ClientResponse r = client.raw(fixture(name));
    EXPECT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.body, "{\"accepted\":3,\"rejected\":0,\"dropped\":0,\"errors\":[]}\n");
    EXPECT_EQ(requests(3), kRendered);
  }
}

TEST_F(FastlySourceTest, TheCustomHeaderIsRequiredWhenSet) {
  start(R"(service = "edge"
fastly_service_ids = ["*"]
header_name = "Authorization"
header_value = "Bearer fastly-secret")");
  HttpTestClient client(source_->port());
  ClientResponse r = client.raw(fixture("json_format_0_classic.http"));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("Authorization header is missing or wrong"), std::string::npos) << r.body;
  HttpTestClient other(source_->port());
  r = other.request("POST", "/fastly/logs", R"({"req.url":"/x"})",
                    {{"Authorization", "Bearer fastly-secreT"}});
  EXPECT_EQ(r.status, 401);
  HttpTestClient good(source_->port());
  r = good.raw(fixture("json_format_2_loggly.http"));
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(requests(3), kRendered);
  // The challenge needs no header: Fastly sends none with it.
  HttpTestClient challenge(source_->port());
  EXPECT_EQ(challenge.request("GET", "/.well-known/fastly/logging/challenge").status, 200);
}

TEST_F(FastlySourceTest, LinesGoToTheNamedEndpointAsTheyAre) {
  start(R"(service = "edge"
fastly_service_ids = ["*"]
payload = "line"
endpoint = "raw")");
  HttpTestClient client(source_->port());
  ClientResponse r = client.request(
      "POST", "/",
      "<134>2026-11-21T08:00:00Z cache-nrt1234 access[1]: 192.0.2.7 \"GET / HTTP/1.1\" 200\n"
      "plain line, no prefix\n");
  EXPECT_EQ(r.body, "{\"accepted\":2,\"rejected\":0,\"dropped\":0,\"errors\":[]}\n");
  EXPECT_EQ(
      SourceHarness::wait_lines(harness_->endpoint("edge", "raw"), 2),
      (std::vector<std::string>{"192.0.2.7 \"GET / HTTP/1.1\" 200", "plain line, no prefix"}));
}

TEST_F(FastlySourceTest, BadEntriesAreNamedAndOthersDelivered) {
  start(R"(service = "edge"
fastly_service_ids = ["*"]
message_type = "blank")");
  HttpTestClient client(source_->port());
  // Blank: a classic prefix is not removed, so that entry is not a record.
  ClientResponse r =
      client.request("POST", "/logs",
                     "{\"req.url\":\"/ok\",\"req.method\":\"GET\",\"resp.status\":200}\n"
                     "<134>2026-11-21T08:00:00Z cache-nrt1234 x[1]: {\"req.url\":\"/prefixed\"}\n");
  EXPECT_EQ(r.status, 202);
  EXPECT_NE(r.body.find("\"accepted\":1,\"rejected\":1,\"dropped\":0,\"errors\":[{\"line\":2,"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(requests(1), std::vector<std::string>{"GET /ok 200"});
  HttpTestClient get(source_->port());
  r = get.request("GET", "/logs");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST, PUT");
}

TEST_F(FastlySourceTest, NdjsonStringEntriesAreTheirText) {
  start(R"(service = "edge"
fastly_service_ids = ["*"])");
  HttpTestClient client(source_->port());
  // A json_format 2 sender writes a line that is not JSON (here, one with a logplex prefix) as a
  // JSON string.
  ClientResponse r = client.request(
      "POST", "/",
      "\"98 <134>1 2026-11-21T08:00:00.000Z cache-nrt1234 x - - - "
      "{\\\"req.url\\\":\\\"/s\\\",\\\"req.method\\\":\\\"GET\\\",\\\"resp.status\\\":200}\"\n"
      "\"unterminated\\\"\n");
  EXPECT_NE(r.body.find("\"accepted\":1,\"rejected\":1"), std::string::npos) << r.body;
  EXPECT_EQ(requests(1), std::vector<std::string>{"GET /s 200"});
}

TEST(FastlyPrefix, EachMessageTypeIsRemoved) {
  EXPECT_EQ(strip_fastly_prefix("<134>2016-07-04T22:37:26Z cache-sjc3128 LogTest[62959]: hello"),
            "hello");
  EXPECT_EQ(strip_fastly_prefix("<134>1 2016-07-04T22:37:26.000Z cache-sjc3128 LogTest - - - hi"),
            "hi");
  EXPECT_EQ(strip_fastly_prefix(
                "64 <134>1 2016-07-04T22:37:26.000Z cache-sjc3128 LogTest - - - {\"a\":1}"),
            "{\"a\":1}");
  EXPECT_EQ(strip_fastly_prefix("{\"a\":1}"), "{\"a\":1}");
  EXPECT_EQ(strip_fastly_prefix("12 apples"), "12 apples");
  EXPECT_EQ(strip_fastly_prefix("<not a pri> text"), "<not a pri> text");
}

TEST(FastlyConfig, ClearErrors) {
  auto load = [](std::string_view fields) {
    auto c = load_config_string(
        fmt::format("{}\n[[source]]\ntype = \"fastly\"\nlisten = \"127.0.0.1:0\"\n{}\n", kServices,
                    fields),
        "f.toml");
    return c ? std::string() : c.error().message();
  };
  EXPECT_NE(load(R"(service = "edge")").find("\"fastly_service_ids\": is required"),
            std::string::npos)
      << load(R"(service = "edge")");
  EXPECT_NE(load(R"(fastly_service_ids = ["*"])").find("\"service\""), std::string::npos);
  EXPECT_NE(load("service = \"edge\"\nfastly_service_ids = [\"*\"]\npayload = \"line\"")
                .find("\"endpoint\": is required with payload = \"line\""),
            std::string::npos);
  EXPECT_NE(load("service = \"edge\"\nfastly_service_ids = [\"*\"]\npayload = \"line\"\n"
                 "endpoint = \"nope\"")
                .find("service \"edge\" has no endpoint \"nope\""),
            std::string::npos);
  EXPECT_NE(load("service = \"edge\"\nfastly_service_ids = [\"*\"]\nheader_name = \"X-Key\"")
                .find("header_name and header_value go together"),
            std::string::npos);
  EXPECT_NE(load("service = \"edge\"\nfastly_service_ids = []").find("is empty"),
            std::string::npos);
  EXPECT_NE(load("service = \"edge\"\nfastly_service_ids = [\"*\"]\ntls_cert = \"c.pem\"")
                .find("tls_cert and tls_key go together"),
            std::string::npos);
  EXPECT_EQ(load("service = \"edge\"\nfastly_service_ids = [\"*\"]"), "");
  EXPECT_EQ(fastly_config("service = \"edge\"\nfastly_service_ids = [\"*\"]").max_body_bytes,
            100ull * 1024 * 1024);
}

}  // namespace
}  // namespace sluice

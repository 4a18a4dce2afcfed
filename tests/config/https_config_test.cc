#include <gtest/gtest.h>

#include <fmt/format.h>

#include "config/config_loader.h"
#include "sinks/https/config.h"

namespace sluice {
namespace {

std::string config_with(std::string_view fields) {
  return fmt::format(R"toml(
[[service]]
id = "svc1"
name = "www"

  [[service.logging]]
  type = "https"
  name = "to_https"
{}
)toml",
                     fields);
}

const HttpsSinkSettings& https(const Config& c) {
  return dynamic_cast<const HttpsSinkSettings&>(*c.services.at(0).endpoints.at(0).settings);
}

TEST(HttpsConfig, Defaults) {
  auto c = load_config_string(config_with(R"(url = "https://logs.example.com/in")"), "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const HttpsSinkSettings& s = https(*c);
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.content_type, "text/plain");
  EXPECT_EQ(s.delivery.json_format, JsonFormat::kLines);
  EXPECT_EQ(s.delivery.request_max_entries, 10000u);
  EXPECT_EQ(s.delivery.request_max_bytes, 100000000u);
  EXPECT_EQ(s.delivery.period_seconds, 5);
  EXPECT_EQ(s.delivery.concurrency, 4u);
  EXPECT_EQ(s.delivery.codec, Codec::kNone);
  EXPECT_TRUE(s.verify_ownership);
  EXPECT_EQ(c->services[0].endpoints[0].message_type, MessageType::kBlank);
}

TEST(HttpsConfig, FastlyFieldsAsFastlySendsThem) {
  auto c = load_config_string(config_with(R"(
  url = "https://logs.example.com/in"
  method = "PUT"
  json_format = "2"
  request_max_entries = "0"
  request_max_bytes = 0
  period = "2"
  gzip_level = 9
  header_name = "Authorization"
  header_value = "Bearer x"
  headers = { "X-Team" = "edge", "X-Env" = "prod" }
  concurrency = "adaptive"
  tls_hostname = "logs.internal"
  verify_ownership = false
)"),
                              "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const HttpsSinkSettings& s = https(*c);
  EXPECT_EQ(s.method, "PUT");
  EXPECT_EQ(s.delivery.json_format, JsonFormat::kNdjson);
  EXPECT_EQ(s.content_type, "application/x-ndjson");
  EXPECT_EQ(s.delivery.request_max_entries, 10000u);
  EXPECT_EQ(s.delivery.request_max_bytes, 100000000u);
  EXPECT_EQ(s.delivery.period_seconds, 2);
  EXPECT_EQ(s.delivery.codec, Codec::kGzip);
  EXPECT_EQ(s.delivery.compression_level, 9);
  ASSERT_EQ(s.headers.size(), 3u);
  EXPECT_EQ(s.headers[0].first, "Authorization");
  EXPECT_TRUE(s.delivery.adaptive_concurrency);
  EXPECT_EQ(s.delivery.tls.hostname, "logs.internal");
  EXPECT_FALSE(s.verify_ownership);
}

TEST(HttpsConfig, PeriodMsAndZstd) {
  auto c = load_config_string(config_with(R"(
  url = "http://127.0.0.1:9000/"
  period_ms = 250
  compression_codec = "zstd"
  concurrency = 1
)"),
                              "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(https(*c).delivery.period_seconds, 0.25);
  EXPECT_EQ(https(*c).delivery.codec, Codec::kZstd);
  EXPECT_EQ(https(*c).delivery.concurrency, 1u);
}

TEST(HttpsConfig, CompressionCodecGzipDefaultsToLevel1) {
  auto c = load_config_string(config_with(R"(
  url = "http://127.0.0.1:9000/"
  compression_codec = "gzip"
)"),
                              "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(https(*c).delivery.codec, Codec::kGzip);
  // igzip's fastest level: see delivery_settings.cc for why not Fastly's 3.
  EXPECT_EQ(https(*c).delivery.compression_level, 1);
}

void expect_error(std::string_view fields, std::string_view needle) {
  auto c = load_config_string(config_with(fields), "t.toml");
  ASSERT_FALSE(c.ok()) << fields;
  const std::string& m = c.error().message();
  EXPECT_NE(m.find(needle), std::string::npos) << m;
  EXPECT_NE(m.find("service \"svc1\" endpoint \"to_https\""), std::string::npos) << m;
}

TEST(HttpsConfig, ErrorsNameTheServiceEndpointAndField) {
  expect_error("", "field \"url\": is required");
  expect_error(R"(url = "ftp://x/")", "field \"url\": scheme \"ftp\" is not supported");
  expect_error(R"(url = "https://x/"
  method = "GET")",
               "field \"method\": \"GET\" is not one of POST, PUT");
  expect_error(R"(url = "https://x/"
  json_format = "3")",
               "field \"json_format\": 3 is out of range [0, 2]");
  expect_error(R"(url = "https://x/"
  compression_codec = "snappy")",
               "field \"compression_codec\"");
  expect_error(R"(url = "https://x/"
  compression_codec = "gzip"
  gzip_level = 3)",
               "field \"gzip_level\": set either compression_codec or gzip_level");
  expect_error(R"(url = "https://x/"
  period = 1
  period_ms = 100)",
               "field \"period_ms\": set either period or period_ms");
  expect_error(R"(url = "https://x/"
  header_name = "X-A")",
               "field \"header_value\": header_name and header_value go together");
  expect_error(R"(url = "https://x/"
  headers = { "Bad Name" = "v" })",
               "\"Bad Name\" is not a valid header name");
  expect_error(R"(url = "https://x/"
  concurrency = "lots")",
               "field \"concurrency\": \"lots\" is not one of adaptive");
  expect_error(R"(url = "https://x/"
  concurrency = 0)",
               "field \"concurrency\": 0 is out of range");
  expect_error(R"(url = "https://x/"
  tls_client_cert = "/c.pem")",
               "tls_client_cert and tls_client_key go together");
  expect_error(R"(url = "https://x/"
  request_max_bytes = "200MB")",
               "field \"request_max_bytes\"");
  expect_error(R"(url = "https://x/"
  verify_ownershp = false)",
               "unknown field \"verify_ownershp\" (did you mean \"verify_ownership\"?)");
}

}  // namespace
}  // namespace sluice

// /metrics stays valid Prometheus exposition text whatever names arrive in log statements, and
// unknown names cannot add series without bound.

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../sources/source_harness.h"
#include "control/api.h"
#include "core/utf8.h"
#include "route/ingest_session.h"

namespace sluice {
namespace {

constexpr std::string_view kConfig = R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "ep"
  path = "/dev/null"
  placement = "none"
)toml";

bool all_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::vector<std::string> unknown_series(const std::string& metrics) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = metrics.find("\nsluice_unknown_endpoint_total{", pos)) != std::string::npos) {
    ++pos;
    out.push_back(metrics.substr(pos, metrics.find('\n', pos) - pos));
  }
  return out;
}

TEST(ApiMetrics, AHostileNameCannotBreakTheExposition) {
  testing::SourceHarness h(kConfig, 0);
  ASSERT_TRUE(h.ok());
  ReloadLog reloads;
  Api api(h.topology(), reloads, {}, HostCheck::create("127.0.0.1", "127.0.0.1", {}).value());
  IngestSession s(h.routes(), "", PayloadKind::kLog);
  // The probe's line: an invalid UTF-8 byte in the service id; then a quote, a backslash.
  EXPECT_FALSE(s.submit("syslog sv\xff"
                        "c1 x :: y")
                   .ok());
  EXPECT_FALSE(s.submit("syslog svc1 a\"b\\c :: y").ok());
  std::string metrics = api.metrics();
  EXPECT_TRUE(all_valid_utf8(metrics));
  EXPECT_NE(metrics.find("sluice_unknown_endpoint_total{service=\"sv\xEF\xBF\xBD"
                         "c1\","
                         "endpoint=\"x\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sluice_unknown_endpoint_total{service=\"svc1\","
                         "endpoint=\"a\\\"b\\\\c\"} 1"),
            std::string::npos);
}

TEST(ApiMetrics, UnknownNamesAddBoundedSeries) {
  testing::SourceHarness h(kConfig, 0);
  ASSERT_TRUE(h.ok());
  ReloadLog reloads;
  Api api(h.topology(), reloads, {}, HostCheck::create("127.0.0.1", "127.0.0.1", {}).value());
  IngestSession s(h.routes(), "", PayloadKind::kLog);
  // One request's worth of sprayed names: 10,000 endpoints of one service, then 10,000
  // services.
  for (int i = 0; i < 10000; ++i) (void)s.submit(fmt::format("syslog svc1 ep{} :: y", i));
  auto series = unknown_series(api.metrics());
  EXPECT_EQ(series.size(), UnknownEndpoints::kMaxNamesPerService + 1);
  EXPECT_NE(api.metrics().find("sluice_unknown_endpoint_total{service=\"svc1\","
                               "endpoint=\"(other)\"} " +
                               std::to_string(10000 - UnknownEndpoints::kMaxNamesPerService)),
            std::string::npos);
  for (int i = 0; i < 10000; ++i) (void)s.submit(fmt::format("syslog s{} x :: y", i));
  series = unknown_series(api.metrics());
  EXPECT_LE(series.size(),
            UnknownEndpoints::kMaxServices * (UnknownEndpoints::kMaxNamesPerService + 1) + 1);
  EXPECT_LT(series.size(), 200u);
  EXPECT_NE(api.metrics().find("sluice_unknown_endpoint_total{service=\"(other)\","
                               "endpoint=\"(other)\"} " +
                               std::to_string(10000 - (UnknownEndpoints::kMaxServices - 1))),
            std::string::npos);
}

}  // namespace
}  // namespace sluice

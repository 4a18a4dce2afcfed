#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "sinks/file/config.h"
#include "sinks/syslog/config.h"

namespace sluice {
namespace {

constexpr std::string_view kIssueExample = R"toml(
[api]
listen = "127.0.0.1:8686"

[[source]]
type = "syslog"
listen = "127.0.0.1:5140"
protocol = "tcp"
service = "svc1"
payload = "auto"

[[source]]
type = "http"
listen = "127.0.0.1:8080"

[[service]]
id = "svc1"
name = "www"

  [[service.condition]]
  name = "errors_only"
  statement = "resp.status >= 400"
  type = "RESPONSE"

  [[service.logging]]
  type = "syslog"
  name = "to_rsyslog"
  address = "127.0.0.1"
  port = 5514
  message_type = "blank"
  format = '%h "%r" %>s %b'

  [[service.logging]]
  type = "file"
  name = "errors"
  path = "/var/log/sluice/errors-%Y%m%d%H.log"
  format = '{"host":"%{json.escape(req.http.host)}V","status":%>s}'
  response_condition = "errors_only"
)toml";

TEST(ConfigLoader, LoadsTheIssueExample) {
  auto c = load_config_string(kIssueExample, "sluice.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->api.listen.port, 8686);
  ASSERT_EQ(c->sources.size(), 2u);
  EXPECT_EQ(c->sources[0].transport, Transport::kTcp);
  EXPECT_EQ(c->sources[0].service, "svc1");
  EXPECT_EQ(c->sources[1].type, SourceType::kHttp);
  const ServiceConfig* svc = c->service("svc1");
  ASSERT_NE(svc, nullptr);
  ASSERT_EQ(svc->endpoints.size(), 2u);
  const auto& syslog = svc->endpoints[0];
  EXPECT_EQ(syslog.message_type, MessageType::kBlank);
  const auto& s = dynamic_cast<const SyslogSinkSettings&>(*syslog.settings);
  EXPECT_EQ(s.address, "127.0.0.1");
  EXPECT_EQ(s.port, 5514);
  const auto& file = svc->endpoints[1];
  EXPECT_EQ(file.response_condition, "errors_only");
  EXPECT_EQ(dynamic_cast<const FileSinkSettings&>(*file.settings).path,
            "/var/log/sluice/errors-%Y%m%d%H.log");
  EXPECT_EQ(file.message_type, MessageType::kBlank);  // files default to blank
}

TEST(ConfigLoader, EmbeddedDefaultIsValid) {
  auto c = load_config_string(default_config_text(), "<default>");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->sources.size(), 3u);
  ASSERT_NE(c->service("default"), nullptr);
  EXPECT_EQ(c->service("default")->endpoints[0].type, "stdout");
}

// Every error names where it is (line), the service, the endpoint and the field.
TEST(ConfigLoader, ReportsEveryErrorWithServiceEndpointAndField) {
  auto c = load_config_string(R"toml(
[api]
lisen = "x"

[[source]]
type = "syslog"
listen = "127.0.0.1:5140"
service = "svc2"

[[service]]
id = "svc1"
  [[service.condition]]
  name = "errors_only"
  statement = "resp.status >= "

  [[service.logging]]
  type = "syslog"
  name = "to_rsyslog"
  address = "127.0.0.1"
  port = 70000
  message_type = "blanc"
  format = '%h %{std.tolowerr(req.url)}V'

  [[service.logging]]
  type = "fiel"
  name = "errors"
  response_condition = "error_only"
  formt = "x"
)toml",
                              "bad.toml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message();
  EXPECT_NE(m.find("bad.toml:3: [api] unknown field \"lisen\" (did you mean \"listen\"?)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("service \"svc1\" condition \"errors_only\" field \"statement\": col 16: "
                   "expected a value"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("service \"svc1\" endpoint \"to_rsyslog\" field \"port\": 70000 is out of range"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find("endpoint \"to_rsyslog\" field \"message_type\": \"blanc\" is not one of classic, "
             "loggly, logplex, blank (did you mean \"blank\"?)"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find("endpoint \"to_rsyslog\" field \"format\": col 6: unknown function std.tolowerr"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("endpoint \"errors\" field \"type\": \"fiel\" is not one of"), std::string::npos)
      << m;
  EXPECT_NE(m.find("(did you mean \"file\"?)"), std::string::npos) << m;
  EXPECT_NE(m.find("endpoint \"errors\" unknown field \"formt\" (did you mean \"format\"?)"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("source #1 field \"service\": no service with id \"svc2\" (did you mean \"svc1\"?)"),
      std::string::npos)
      << m;
}

// Variable names VCL lacks, and floats compared with INTEGER variables, load with warnings that
// name the file line, the service, the endpoint or condition, the field and the column.
TEST(ConfigLoader, UnknownVariablesAreWarningsNotErrors) {
  auto c = load_config_string(R"toml(
[[service]]
id = "svc1"
  [[service.condition]]
  name = "errors"
  statement = "resp.stauts >= 500"

  [[service.condition]]
  name = "odd"
  statement = "resp.status == 200.5"

  [[service.logging]]
  type = "file"
  name = "to_file"
  path = "/tmp/x.log"
  format = '%{req.urll}V %{req.http.X-Anything}V %{geo.city}V'
  response_condition = "errors"

[[source]]
type = "stdin"
)toml",
                              "sluice.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->warnings,
            (std::vector<std::string>{
                "sluice.toml:6: service \"svc1\" condition \"errors\" field \"statement\": col 1: "
                "unknown variable \"resp.stauts\" (did you mean \"resp.status\"?)",
                "sluice.toml:10: service \"svc1\" condition \"odd\" field \"statement\": col 16: "
                "resp.status is an INTEGER in VCL; 200.5 is a FLOAT",
                "sluice.toml:16: service \"svc1\" endpoint \"to_file\" field \"format\": col 3: "
                "unknown variable \"req.urll\" (did you mean \"req.url\"?)"}));
}

TEST(ConfigLoader, TheIssueExampleAndTheDefaultHaveNoWarnings) {
  auto c = load_config_string(kIssueExample, "sluice.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->warnings.empty());
  auto d = load_config_string(default_config_text(), "<embedded default>");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_TRUE(d->warnings.empty());
}

TEST(ConfigLoader, AnEmptyConfigurationLoadsWithWarnings) {
  auto c = load_config_string("", "empty.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->warnings,
            (std::vector<std::string>{
                "empty.toml: no [[service]]: nothing will be delivered (add one and reload with "
                "SIGHUP)",
                "empty.toml: no [[source]]: nothing will be received"}));
}

TEST(ConfigLoader, SyntaxErrorNamesLineAndColumn) {
  auto c = load_config_string("[api\nlisten = 1\n", "broken.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message().rfind("broken.toml:1:", 0), 0u) << c.error().message();
}

TEST(ConfigLoader, ResponseConditionMustExistInTheSameService) {
  auto c = load_config_string(R"toml(
[[service]]
id = "a"
  [[service.condition]]
  name = "c1"
  statement = "true"
[[service]]
id = "b"
  [[service.logging]]
  type = "stdout"
  name = "out"
  response_condition = "c1"
)toml",
                              "x.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      c.error().message().find("service \"b\" endpoint \"out\" field \"response_condition\": no "
                               "condition named \"c1\" in this service"),
      std::string::npos)
      << c.error().message();
}

TEST(ConfigLoader, DuplicateNamesAndPortsAreErrors) {
  auto c = load_config_string(R"toml(
[[source]]
type = "http"
listen = "127.0.0.1:9000"
[[source]]
type = "syslog"
listen = "127.0.0.1:9000"
[[service]]
id = "a"
  [[service.logging]]
  type = "stdout"
  name = "out"
  [[service.logging]]
  type = "stderr"
  name = "out"
  [[service.condition]]
  name = "c"
  statement = "true"
  [[service.condition]]
  name = "c"
  statement = "false"
[[service]]
id = "a"
)toml",
                              "x.toml");
  ASSERT_FALSE(c.ok());
  // Each names both lines, so the user finds the two uses in a long file.
  EXPECT_NE(c.error().message().find("x.toml:15: service \"a\" endpoint \"out\": the name is "
                                     "used twice in this service (first on line 12)"),
            std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("x.toml:20: service \"a\" condition \"c\": the name is used "
                                     "twice (first on line 17)"),
            std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("x.toml:23: service \"a\": the id is used twice (first on "
                                     "line 9)"),
            std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("127.0.0.1:9000 is already used by another source"),
            std::string::npos);
}

TEST(ConfigLoader, UnitsForSizesAndDurations) {
  auto c = load_config_string(R"toml(
shutdown_grace = "500ms"
[[service]]
id = "a"
  [[service.logging]]
  type = "file"
  name = "f"
  path = "/tmp/x.log"
  period = "2s"
  queue_max_bytes = "1MiB"
  when_full = "drop_oldest"
)toml",
                              "x.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_DOUBLE_EQ(c->shutdown_grace_seconds, 0.5);
  const auto& e = c->services[0].endpoints[0];
  EXPECT_EQ(e.queue_max_bytes, 1024u * 1024);
  EXPECT_EQ(e.when_full, WhenFull::kDropOldest);
  EXPECT_DOUBLE_EQ(dynamic_cast<const FileSinkSettings&>(*e.settings).period_seconds, 2);
}

TEST(ConfigLoader, ApiAllowedHosts) {
  auto c = load_config_string(R"toml(
[api]
listen = "127.0.0.1:8686"
allowed_hosts = ["sluice.internal", "10.0.0.5", "[::1]", "Metrics.Example."]
)toml",
                              "x.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->api.allowed_hosts,
            (std::vector<std::string>{"sluice.internal", "10.0.0.5", "[::1]", "Metrics.Example."}));
  auto one = load_config_string("[api]\nallowed_hosts = \"*\"\n", "x.toml");
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_EQ(one->api.allowed_hosts, std::vector<std::string>{"*"});
  auto none = load_config_string("[api]\nlisten = \"127.0.0.1:8686\"\n", "x.toml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->api.allowed_hosts.empty());
}

TEST(ConfigLoader, BadAllowedHostsSayWhy) {
  auto error = [](std::string_view value) {
    auto c = load_config_string(fmt::format("[api]\nallowed_hosts = {}\n", value), "x.toml");
    return c.ok() ? std::string("accepted") : c.error().message();
  };
  auto has = [&](std::string_view value, std::string_view want) {
    std::string m = error(value);
    EXPECT_NE(m.find(want), std::string::npos) << value << " -> " << m;
  };
  has(R"(["sluice.internal:8686"])",
      "x.toml:2: [api] field \"allowed_hosts\": \"sluice.internal:8686\" has a port");
  has(R"(["http://sluice.internal"])", "\"http://sluice.internal\" is a URL");
  has(R"(["*.example.com"])", "\"*.example.com\": wildcards are not supported");
  has(R"([""])", "\"\" is empty");
  has(R"(["sluice internal"])", "\"sluice internal\" is not a host name or an IP address");
  has(R"(["sluice.internal/"])", "has a path");
  has(R"(["[::1"])", "has no closing bracket");
  has("8686", "[api] field \"allowed_hosts\": expected a string or an array of strings");
  has("[1]", "expected a string or an array of strings");
  // Every bad entry is reported, not only the first.
  std::string m = error(R"(["a b", "ok.example", "c:1"])");
  EXPECT_NE(m.find("\"a b\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"c:1\" has a port"), std::string::npos) << m;
}

TEST(ConfigLoader, AnIpv6ListenAddressIsPrintedInBrackets) {
  EXPECT_EQ((ListenAddress{"::1", 5140}.to_string()), "[::1]:5140");
  EXPECT_EQ((ListenAddress{"127.0.0.1", 5140}.to_string()), "127.0.0.1:5140");
  auto c = load_config_string(R"toml(
[[source]]
type = "syslog"
listen = "[::1]:5140"
service = "s"

[[source]]
type = "syslog"
listen = "[::1]:5140"
service = "s"
)toml",
                              "x.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("[::1]:5140 is already used by another source"),
            std::string::npos)
      << c.error().message();
}

TEST(ConfigLoader, SecurityNetworksAreReadAndEachBadOneIsNamed) {
  auto c = load_config_string(R"toml(
[security]
allow_networks = ["10.1.2.3", "169.254.169.254/32"]
deny_networks = ["10.0.0.0/8", "fd00::/8"]
)toml",
                              "x.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->security.allow_networks,
            (std::vector<std::string>{"10.1.2.3", "169.254.169.254/32"}));
  EXPECT_EQ(c->security.deny_networks, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));

  auto bad = load_config_string(R"toml(
[security]
deny_networks = ["10.0.0.1/8", "internal.example"]
alow_networks = ["10.1.2.3"]
)toml",
                                "x.toml");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.error().message();
  EXPECT_NE(m.find("x.toml:3: [security] field \"deny_networks\": \"10.0.0.1/8\" is not a network: "
                   "it has bits set past the prefix length (did you mean 10.0.0.0/8?)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\"internal.example\" is not an IP address"), std::string::npos) << m;
  EXPECT_NE(m.find("alow_networks"), std::string::npos) << m;
}

}  // namespace
}  // namespace sluice

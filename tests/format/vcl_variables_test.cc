#include "format/vcl_variables.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

NameKind kind_of(std::string_view name) {
  return check_variable_name(name).kind;
}

TEST(VclVariables, KnowsFastlyVariablesWithTheirVclTypes) {
  const VclVariable* status = find_vcl_variable("resp.status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->type, VclType::kInteger);
  EXPECT_EQ(find_vcl_variable("client.ip")->type, VclType::kIp);
  EXPECT_EQ(find_vcl_variable("client.geo.latitude")->type, VclType::kFloat);
  EXPECT_EQ(find_vcl_variable("fastly_info.is_h2")->type, VclType::kBool);
  EXPECT_EQ(find_vcl_variable("time.start")->type, VclType::kTime);
  EXPECT_EQ(find_vcl_variable("time.elapsed")->type, VclType::kRTime);
  // Fastly types the epoch numbers as STRING, though sluice prints them as numbers.
  EXPECT_EQ(find_vcl_variable("time.start.sec")->type, VclType::kString);
  EXPECT_EQ(to_string(VclType::kInteger), "INTEGER");
}

TEST(VclVariables, NamesAreUniqueAndCaseFolded) {
  std::set<std::string> seen;
  for (const VclVariable& v : vcl_variables()) {
    std::string folded(v.name);
    for (char& c : folded) c = char(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(seen.insert(folded).second) << v.name << " is listed twice";
  }
  EXPECT_GT(vcl_variables().size(), 400u);
  EXPECT_NE(find_vcl_variable("RESP.Status"), nullptr);  // records match names this way too
}

TEST(VclVariables, EverySluiceDerivedVariableIsKnown) {
  // core/variable.cc's derivations, under their Fastly names.
  for (std::string_view name :
       {"time.start", "time.start.sec", "time.start.msec", "time.start.usec",
        "time.start.msec_frac", "time.start.usec_frac", "time.end", "time.end.sec", "time.end.msec",
        "time.end.usec", "time.end.msec_frac", "time.end.usec_frac", "time.elapsed",
        "time.elapsed.sec", "time.elapsed.msec", "time.elapsed.usec", "time.elapsed.msec_frac",
        "time.elapsed.usec_frac", "req.url.path", "req.url.qs", "req.url.ext", "req.url.basename",
        "req.url.dirname", "req.request", "req.method", "now",
        // and what the Apache directives read (log_format.cc)
        "server.ip", "resp.body_bytes_written", "resp.bytes_written", "req.bytes_read", "req.proto",
        "req.url", "resp.status", "client.ip"}) {
    EXPECT_EQ(kind_of(name), NameKind::kKnown) << name;
  }
}

// Every variable the formats and log statements of ../shared/reference/seeds use: what real
// users write must never be warned about.
TEST(VclVariables, EveryVariableOfTheSeedFormatsIsKnownOrAHeader) {
  for (std::string_view name : {"server.datacenter",
                                "fastly.ff.visits_this_service",
                                "req.backend.is_origin",
                                "resp.status",
                                "req.url",
                                "time.start",
                                "time.end",
                                "time.end.usec",
                                "time.elapsed.msec",
                                "time.elapsed.usec",
                                "time.elapsed.sec",
                                "time.start.sec",
                                "time.start.msec",
                                "time.to_first_byte",
                                "server.region",
                                "server.identity",
                                "server.hostname",
                                "server.ip",
                                "server.port",
                                "req.proto",
                                "req.method",
                                "req.request",
                                "req.service_id",
                                "req.url.path",
                                "req.bytes_read",
                                "req.body_bytes_read",
                                "req.header_bytes_read",
                                "req.is_ipv6",
                                "req.vcl",
                                "req.vcl.version",
                                "fastly_info.state",
                                "fastly_info.is_h2",
                                "fastly_info.h2.is_push",
                                "fastly_info.h2.stream_id",
                                "tls.client.protocol",
                                "tls.client.servername",
                                "tls.client.cipher",
                                "tls.client.ciphers_sha",
                                "tls.client.tlsexts_sha",
                                "client.ip",
                                "client.requests",
                                "client.geo.country_code",
                                "client.geo.country_name",
                                "client.geo.conn_type",
                                "client.geo.latitude",
                                "client.geo.longitude",
                                "client.socket.congestion_algorithm",
                                "client.socket.cwnd",
                                "client.socket.tcpi_rcv_space",
                                "client.socket.tcpi_rtt",
                                "client.socket.tcpi_rttvar",
                                "client.socket.tcpi_rcv_rtt",
                                "client.socket.tcpi_rcv_mss",
                                "client.socket.tcpi_delivery_rate",
                                "client.socket.ploss",
                                "client.socket.tcpi_delta_retrans",
                                "client.socket.tcpi_last_data_sent",
                                "obj.age",
                                "obj.hits",
                                "obj.ttl",
                                "resp.response",
                                "resp.completed",
                                "resp.body_bytes_written",
                                "resp.header_bytes_written",
                                "resp.bytes_written",
                                "now"}) {
    EXPECT_EQ(kind_of(name), NameKind::kKnown) << name;
  }
  for (std::string_view name : {"resp.http.log-origin",
                                "beresp.http.log-origin",
                                "req.http.log-origin",
                                "req.http.Request-Backend",
                                "req.http.Actual-Backend-Name",
                                "req.http.Actual-Backend-IP",
                                "req.http.API-Name",
                                "req.http.X-API-ID",
                                "req.http.SchemeType",
                                "resp.http.X-Cache",
                                "resp.http.Fastly-Stats",
                                "req.http.Fastly-Client-IP",
                                "req.http.fastly-client-ip",
                                "req.http.Fastly-Orig-Host",
                                "req.http.Host",
                                "req.http.host",
                                "req.http.User-Agent",
                                "req.http.user-agent",
                                "req.http.referer",
                                "req.http.accept",
                                "req.http.accept-language",
                                "req.http.accept-charset",
                                "req.http.if-modified-since",
                                "req.http.if-none-match",
                                "req.http.Cookie",
                                "req.http.foo",
                                "resp.http.foo",
                                "resp.http.cache-control",
                                "resp.http.content-type",
                                "resp.http.expires",
                                "resp.http.last-modified",
                                "resp.http.etag"}) {
    EXPECT_EQ(kind_of(name), NameKind::kHeader) << name;
  }
}

TEST(VclVariables, HeadersUnderEveryHttpPrefix) {
  for (std::string_view name :
       {"req.http.X-Anything", "resp.http.X-Anything", "bereq.http.X-Anything",
        "beresp.http.X-Anything", "obj.http.X-Anything", "REQ.HTTP.x-anything"}) {
    EXPECT_EQ(kind_of(name), NameKind::kHeader) << name;
  }
  EXPECT_EQ(kind_of("req.http."), NameKind::kUnknown);  // no header name
}

TEST(VclVariables, NamesOutsideVclNamespacesAreTheUsersOwn) {
  for (std::string_view name : {"geo.city", "app.tenant", "tenant", "my.status", "math.PI",
                                "VARNAME", "cdn.pop", "req2.x"}) {
    EXPECT_EQ(kind_of(name), NameKind::kCustom) << name;
  }
}

TEST(VclVariables, TyposGetTheClosestName) {
  auto hint = [](std::string_view name) {
    NameCheck c = check_variable_name(name);
    EXPECT_EQ(c.kind, NameKind::kUnknown) << name;
    return c.suggestion;
  };
  EXPECT_EQ(hint("req.urll"), "req.url");
  EXPECT_EQ(hint("resp.stauts"), "resp.status");
  EXPECT_EQ(hint("client.geo.contry_code"), "client.geo.country_code");
  EXPECT_EQ(hint("fastly_info.stat"), "fastly_info.state");
  EXPECT_EQ(hint("time.elapsed.usecs"), "time.elapsed.usec");
  EXPECT_EQ(hint("rseq.url"), "req.url");             // a typo in the namespace itself
  EXPECT_EQ(hint("req.htpp.Host"), "req.http.Host");  // a header prefix almost spelt
  EXPECT_EQ(hint("resp.nothing_like_it"), "");        // unknown, but nothing close
}

TEST(VclVariables, PatternsStandForAServicesOwnNames) {
  EXPECT_EQ(find_vcl_variable("backend.F_origin.healthy")->type, VclType::kBool);
  EXPECT_EQ(find_vcl_variable("ratecounter.rc.rate.10s")->type, VclType::kFloat);
  EXPECT_EQ(find_vcl_variable("backend..healthy"), nullptr);
  EXPECT_EQ(find_vcl_variable("backend.a.b.healthy"), nullptr);
}

}  // namespace
}  // namespace sluice

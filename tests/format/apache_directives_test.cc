// Every Apache-style directive of Fastly's format_version 2 and the three that version 1 changes.
// Expected values follow the directive table in the seeds (004_*) and DESIGN "Format language".
#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/log_format.h"

namespace sluice {
namespace {

// A request with every field the directives read. 2026-11-21T08:00:00Z is 1795248000 s.
constexpr std::string_view kFull = R"({
  "client.ip": "192.0.2.7",
  "req.http.Fastly-Client-IP": "198.51.100.9",
  "server.ip": "203.0.113.1",
  "req.method": "GET",
  "req.url": "/img/cat.jpg?size=large&x=1",
  "req.proto": "HTTP/1.1",
  "req.http.Host": "www.example.com",
  "req.http.Cookie": "session=abc123; theme=dark",
  "req.http.User-Agent": "curl/8.0",
  "resp.http.Content-Type": "image/jpeg",
  "resp.http.Content-Length": "2400",
  "resp.status": 200,
  "resp.body_bytes_written": 2326,
  "req.bytes_read": 412,
  "resp.bytes_written": 2700,
  "time.start": "2026-11-21T08:00:00.999500Z",
  "time.elapsed.usec": 1834
})";

std::string render(std::string_view format, std::string_view json,
                   FormatVersion version = FormatVersion::kV2) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
    return "<bad record>";
  }
  auto compiled = LogFormat::compile(format, version);
  if (!compiled.ok()) {
    ADD_FAILURE() << "format " << format << ": " << compiled.error().message();
    return "<bad format>";
  }
  EvalContext ctx;
  LineBuffer out;
  compiled->render(record, ctx, out);
  return fmt::to_string(out);
}

std::string v1(std::string_view format, std::string_view json) {
  return render(format, json, FormatVersion::kV1);
}

TEST(ApacheDirectives, Percent) {
  EXPECT_EQ(render("%%", kFull), "%");
  EXPECT_EQ(render("100%% of %%{x}V", kFull), "100% of %{x}V");
}

TEST(ApacheDirectives, ClientIpPrefersFastlyClientIp) {
  EXPECT_EQ(render("%a %h", kFull), "198.51.100.9 198.51.100.9");
  EXPECT_EQ(render("%a %h", R"({"client.ip":"192.0.2.7"})"), "192.0.2.7 192.0.2.7");
  EXPECT_EQ(render("%a %h", R"({"req.http.fastly-client-ip":"2001:db8::1"})"),
            "2001:db8::1 2001:db8::1");
  EXPECT_EQ(render("%a %h", "{}"), "- -");
}

TEST(ApacheDirectives, LocalIp) {
  EXPECT_EQ(render("%A", kFull), "203.0.113.1");
  EXPECT_EQ(render("%A", "{}"), "-");
}

TEST(ApacheDirectives, BodyBytes) {
  EXPECT_EQ(render("%B", kFull), "2326");
  EXPECT_EQ(render("%B", R"({"resp.body_bytes_written":0})"), "0");
  EXPECT_EQ(render("%B", "{}"), "-");
}

TEST(ApacheDirectives, BodyBytesClfStyle) {
  EXPECT_EQ(render("%b", kFull), "2326");
  EXPECT_EQ(render("%b", R"({"resp.body_bytes_written":0})"), "-");
  EXPECT_EQ(render("%b", R"({"resp.body_bytes_written":"0"})"), "-");
  EXPECT_EQ(render("%b", R"({"resp.body_bytes_written":null})"), "-");
  EXPECT_EQ(render("%b", "{}"), "-");
  EXPECT_EQ(render("%b", R"({"resp.body_bytes_written":10})"), "10");
}

TEST(ApacheDirectives, Cookie) {
  EXPECT_EQ(render("%{session}C|%{theme}C", kFull), "abc123|dark");
  EXPECT_EQ(render("%{THEME}C", kFull), "dark");
  EXPECT_EQ(render("%{missing}C", kFull), "-");
  EXPECT_EQ(render("%{session}C", "{}"), "-");
}

TEST(ApacheDirectives, RequestAndResponseHeaders) {
  EXPECT_EQ(render("%{User-Agent}i", kFull), "curl/8.0");
  EXPECT_EQ(render("%{user-agent}i", kFull), "curl/8.0");
  EXPECT_EQ(render("%{Referer}i", kFull), "-");
  EXPECT_EQ(render("%{Content-Type}o", kFull), "image/jpeg");
  EXPECT_EQ(render("%{content-type}o", kFull), "image/jpeg");
  EXPECT_EQ(render("%{ETag}o", kFull), "-");
}

TEST(ApacheDirectives, ServeTime) {
  EXPECT_EQ(render("%D %T", kFull), "1834 0");
  EXPECT_EQ(render("%D %T", R"({"time.elapsed.usec":2500000})"), "2500000 2");
  EXPECT_EQ(render("%D %T", "{}"), "- -");
}

TEST(ApacheDirectives, PathAndQuery) {
  EXPECT_EQ(render("%f|%U|%q", kFull), "/img/cat.jpg|/img/cat.jpg|?size=large&x=1");
  EXPECT_EQ(render("%f|%U|%q|", R"({"req.url":"/plain"})"), "/plain|/plain||");
  EXPECT_EQ(render("[%q]", "{}"), "[]");
}

TEST(ApacheDirectives, ProtocolMethodAndByteCounts) {
  EXPECT_EQ(render("%H %m %I %O", kFull), "HTTP/1.1 GET 412 2700");
  EXPECT_EQ(render("%H %m %I %O", "{}"), "- - - -");
}

TEST(ApacheDirectives, Ports) {
  EXPECT_EQ(render("%p %{canonical}p %{local}p", kFull), "80 80 80");
  // The seed's directive table: "always returns '-' for remote".
  EXPECT_EQ(render("%{remote}p", kFull), "-");
}

TEST(ApacheDirectives, RequestLine) {
  EXPECT_EQ(render("%r", kFull), "GET /img/cat.jpg?size=large&x=1 HTTP/1.1");
  EXPECT_EQ(render("%r", R"({"req.url":"/a"})"), "- /a -");
}

TEST(ApacheDirectives, Status) {
  EXPECT_EQ(render("%s %>s %<s", kFull), "200 200 200");
  EXPECT_EQ(render("%s", R"({"resp.status":"503"})"), "503");
  EXPECT_EQ(render("%>s", "{}"), "-");
}

TEST(ApacheDirectives, TimeInClfForm) {
  EXPECT_EQ(render("%t", kFull), "[21/Nov/2026:08:00:00 +0000]");
  EXPECT_EQ(render("%t", R"({"time.start":"2000-10-10T22:55:36+09:00"})"),
            "[10/Oct/2000:13:55:36 +0000]");
  EXPECT_EQ(render("%t", "{}"), "-");
}

TEST(ApacheDirectives, TimeWithStrftimeFormat) {
  // start 08:00:00.999500, end = start + 1834 µs = 08:00:01.001334
  EXPECT_EQ(render("%{%Y-%m-%dT%H:%M:%S}t", kFull), "2026-11-21T08:00:00");
  EXPECT_EQ(render("%{begin:%H:%M:%S}t", kFull), "08:00:00");
  EXPECT_EQ(render("%{end:%H:%M:%S}t", kFull), "08:00:01");
  EXPECT_EQ(render("%{begin:%Y-%m-%dT%H:%M:%S%z}t", kFull), "2026-11-21T08:00:00+0000");
  EXPECT_EQ(render("%{end:%d/%b/%Y %Z}t", kFull), "21/Nov/2026 GMT");
}

TEST(ApacheDirectives, TimeTokens) {
  EXPECT_EQ(render("%{sec}t", kFull), "1795248000");
  EXPECT_EQ(render("%{msec}t", kFull), "1795248000999");
  EXPECT_EQ(render("%{usec}t", kFull), "1795248000999500");
  EXPECT_EQ(render("%{msec_frac}t", kFull), "999");
  EXPECT_EQ(render("%{usec_frac}t", kFull), "999500");
}

TEST(ApacheDirectives, TimeTokensWithBeginAndEnd) {
  EXPECT_EQ(render("%{begin:sec}t %{begin:msec}t %{begin:usec}t", kFull),
            "1795248000 1795248000999 1795248000999500");
  EXPECT_EQ(render("%{begin:msec_frac}t %{begin:usec_frac}t", kFull), "999 999500");
  EXPECT_EQ(render("%{end:sec}t %{end:msec}t %{end:usec}t", kFull),
            "1795248001 1795248001001 1795248001001334");
  // Apache pads the fractions to their width.
  EXPECT_EQ(render("%{end:msec_frac}t %{end:usec_frac}t", kFull), "001 001334");
  EXPECT_EQ(
      render("%{msec_frac}t %{usec_frac}t", R"({"time.start":"2026-11-21T08:00:00.000042Z"})"),
      "000 000042");
}

TEST(ApacheDirectives, EndTimeUsesARecordedEnd) {
  // A record that carries time.end itself: the explicit key wins over start + elapsed.
  EXPECT_EQ(render("%{end:sec}t %{end:usec_frac}t",
                   R"({"time.start":"2026-11-21T08:00:00Z","time.end":"2026-11-21T08:00:05.25Z"})"),
            "1795248005 250000");
}

TEST(ApacheDirectives, TimeTokensNeedAStart) {
  EXPECT_EQ(render("%{sec}t %{end:msec}t %{%Y}t", "{}"), "- - -");
}

TEST(ApacheDirectives, ConstantDashes) {
  EXPECT_EQ(render("%u %l %{FOO}e %{Foobar}n %P %{pid}P %R", kFull), "- - - - - - -");
  EXPECT_EQ(render("%u %l %{FOO}e %{Foobar}n %P %R", "{}"), "- - - - - -");
}

TEST(ApacheDirectives, ConstantKeepaliveAndConnectionStatus) {
  EXPECT_EQ(render("%k %X", kFull), "0 +");
}

TEST(ApacheDirectives, Host) {
  EXPECT_EQ(render("%v %V", kFull), "www.example.com www.example.com");
  EXPECT_EQ(render("%v %V", R"({"req.http.host":"lower.example"})"), "lower.example lower.example");
  EXPECT_EQ(render("%v %V", "{}"), "- -");
}

TEST(ApacheDirectives, VclExpression) {
  EXPECT_EQ(render("%{req.method}V %{resp.status}V", kFull), "GET 200");
  EXPECT_EQ(render("%{std.toupper(req.method)}V", kFull), "GET");
  EXPECT_EQ(render("%{req.http.missing}V", kFull), "(null)");
}

TEST(ApacheDirectives, DirectivesBetweenLiterals) {
  EXPECT_EQ(render(R"(ip=%h "%r" status=%>s!)", kFull),
            R"(ip=198.51.100.9 "GET /img/cat.jpg?size=large&x=1 HTTP/1.1" status=200!)");
  EXPECT_EQ(render("", kFull), "");
  EXPECT_EQ(render("no directives", kFull), "no directives");
}

TEST(ApacheDirectives, CommonLogFormat) {
  EXPECT_EQ(
      render(R"(%h %l %u %t "%r" %>s %b)", kFull),
      R"(198.51.100.9 - - [21/Nov/2026:08:00:00 +0000] "GET /img/cat.jpg?size=large&x=1 HTTP/1.1" 200 2326)");
}

TEST(ApacheDirectivesV1, RequestLineWithoutProtocol) {
  EXPECT_EQ(v1("%r", kFull), "GET /img/cat.jpg?size=large&x=1");
}

TEST(ApacheDirectivesV1, TimeIsAnHttpDateWithoutBrackets) {
  EXPECT_EQ(v1("%t", kFull), "Sat, 21 Nov 2026 08:00:00 GMT");
}

TEST(ApacheDirectivesV1, BytesFromContentLength) {
  EXPECT_EQ(v1("%b", kFull), "2400");
  EXPECT_EQ(v1("%b", R"({"resp.body_bytes_written":2326})"), "-");
  EXPECT_EQ(v1("%b", R"({"resp.http.Content-Length":"0"})"), "-");
  EXPECT_EQ(v1("%b", R"({"resp.http.content-length":"17"})"), "17");
}

TEST(ApacheDirectivesV1, DefaultFormat) {
  EXPECT_EQ(
      v1(R"(%h %l %u %t "%r" %>s %b)", kFull),
      R"(198.51.100.9 - - Sat, 21 Nov 2026 08:00:00 GMT "GET /img/cat.jpg?size=large&x=1" 200 2400)");
}

TEST(ApacheDirectivesV1, OtherDirectivesKeepTheirMeaning) {
  EXPECT_EQ(v1("%B %D %{sec}t %{User-Agent}i %v %{resp.status}V", kFull),
            "2326 1834 1795248000 curl/8.0 www.example.com 200");
}

}  // namespace
}  // namespace sluice

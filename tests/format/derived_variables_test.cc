// Variables computed from others when a record does not carry them: time.*, req.url.*,
// req.request. Values follow Fastly's variable reference pages.
#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/log_format.h"

namespace sluice {
namespace {

// 2026-11-21T08:00:00Z is 1795248000 s. start 08:00:00.999500, end = start + 1834 µs.
constexpr std::string_view kTimes =
    R"({"time.start":"2026-11-21T08:00:00.999500Z","time.elapsed.usec":1834})";

std::string render(std::string_view format, std::string_view json) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
    return "<bad record>";
  }
  auto compiled = LogFormat::compile(format);
  if (!compiled.ok()) {
    ADD_FAILURE() << "format " << format << ": " << compiled.error().message();
    return "<bad format>";
  }
  EvalContext ctx;
  LineBuffer out;
  compiled->render(record, ctx, out);
  return fmt::to_string(out);
}

TEST(TimeStart, IsATime) {
  EXPECT_EQ(render("%{time.start}V", kTimes), "Sat, 21 Nov 2026 08:00:00 GMT");
}

TEST(TimeStart, Parts) {
  EXPECT_EQ(render("%{time.start.sec}V", kTimes), "1795248000");
  EXPECT_EQ(render("%{time.start.msec}V", kTimes), "1795248000999");
  EXPECT_EQ(render("%{time.start.usec}V", kTimes), "1795248000999500");
  EXPECT_EQ(render("%{time.start.msec_frac}V", kTimes), "999");
  EXPECT_EQ(render("%{time.start.usec_frac}V", kTimes), "999500");
}

TEST(TimeStart, Rfc3339WithFractionAndOffset) {
  constexpr std::string_view json = R"({"time.start":"2026-11-21T17:00:00.25+09:00"})";
  EXPECT_EQ(render("%{time.start}V", json), "Sat, 21 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(render("%{time.start.usec}V", json), "1795248000250000");
  EXPECT_EQ(render("%{time.start.msec_frac}V", json), "250");
  EXPECT_EQ(render("%{time.start.sec}V", R"({"time.start":"2026-11-20T23:00:00-09:00"})"),
            "1795248000");
}

TEST(TimeStart, FromEpochUnits) {
  EXPECT_EQ(render("%{time.start}V", R"({"time.start.sec":1795248000})"),
            "Sat, 21 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(render("%{time.start.usec}V", R"({"time.start.msec":1795248000123})"),
            "1795248000123000");
}

TEST(TimeEnd, IsStartPlusElapsed) {
  EXPECT_EQ(render("%{time.end}V", kTimes), "Sat, 21 Nov 2026 08:00:01 GMT");
  EXPECT_EQ(render("%{time.end.sec}V", kTimes), "1795248001");
  EXPECT_EQ(render("%{time.end.msec}V", kTimes), "1795248001001");
  EXPECT_EQ(render("%{time.end.usec}V", kTimes), "1795248001001334");
  EXPECT_EQ(render("%{time.end.msec_frac}V", kTimes), "1");
  EXPECT_EQ(render("%{time.end.usec_frac}V", kTimes), "1334");
}

TEST(TimeEnd, RecordedEndWins) {
  EXPECT_EQ(
      render(
          "%{time.end.usec}V",
          R"({"time.start":"2026-11-21T08:00:00Z","time.elapsed.usec":5,"time.end":"2026-11-21T08:00:09Z"})"),
      "1795248009000000");
}

TEST(TimeEnd, NeedsStartAndElapsed) {
  EXPECT_EQ(render("%{time.end}V", R"({"time.start":"2026-11-21T08:00:00Z"})"), "(null)");
  EXPECT_EQ(render("%{time.end.usec}V", R"({"time.elapsed.usec":5})"), "(null)");
}

TEST(TimeElapsed, IsARelativeTime) {
  EXPECT_EQ(render("%{time.elapsed}V", kTimes), "0.001");
  EXPECT_EQ(render("%{time.elapsed}V", R"({"time.elapsed.usec":2500000})"), "2.500");
}

TEST(TimeElapsed, Parts) {
  EXPECT_EQ(render("%{time.elapsed.sec}V", kTimes), "0");
  EXPECT_EQ(render("%{time.elapsed.msec}V", kTimes), "1");
  EXPECT_EQ(render("%{time.elapsed.usec}V", kTimes), "1834");
  EXPECT_EQ(
      render("%{time.elapsed.sec}V %{time.elapsed.msec}V", R"({"time.elapsed.usec":2500000})"),
      "2 2500");
}

TEST(TimeElapsed, FromOtherUnits) {
  EXPECT_EQ(render("%{time.elapsed.usec}V", R"({"time.elapsed.msec":7})"), "7000");
  EXPECT_EQ(render("%{time.elapsed.usec}V %{time.elapsed}V", R"({"time.elapsed":0.25})"),
            "250000 0.250");
}

TEST(TimeVariables, MissingWithoutATime) {
  EXPECT_EQ(
      render("%{time.start}V %{time.start.sec}V %{time.elapsed}V %{time.elapsed.usec}V", "{}"),
      "(null) (null) (null) (null)");
}

TEST(UrlParts, AllFive) {
  constexpr std::string_view json = R"({"req.url":"/5/inner/hello.tar.gz?a=1&b=2"})";
  EXPECT_EQ(render("%{req.url.path}V", json), "/5/inner/hello.tar.gz");
  EXPECT_EQ(render("%{req.url.qs}V", json), "a=1&b=2");
  EXPECT_EQ(render("%{req.url.ext}V", json), "gz");
  EXPECT_EQ(render("%{req.url.basename}V", json), "hello.tar.gz");
  EXPECT_EQ(render("%{req.url.dirname}V", json), "/5/inner");
}

TEST(UrlParts, FastlyReferenceExamples) {
  EXPECT_EQ(render("%{req.url.basename}V", R"({"req.url":"/1/hello.gif?foo=bar"})"), "hello.gif");
  EXPECT_EQ(render("%{req.url.dirname}V", R"({"req.url":"/1/hello.gif"})"), "/1");
  EXPECT_EQ(render("%{req.url.dirname}V", R"({"req.url":"/hello.html"})"), "/");
  EXPECT_EQ(render("%{req.url.dirname}V", R"({"req.url":"/xyz/abc?xyz"})"), "/xyz");
  EXPECT_EQ(render("%{req.url.ext}V", R"({"req.url":"/foo.bar.txt"})"), "txt");
  EXPECT_EQ(render("%{req.url.ext}V", R"({"req.url":"/index.html?a=1"})"), "html");
  EXPECT_EQ(render("%{req.url.path}V", R"({"req.url":"/inner/index.html?x=y"})"),
            "/inner/index.html");
}

TEST(UrlParts, NoQueryNoExtensionRoot) {
  EXPECT_EQ(render("[%{req.url.qs}V][%{req.url.ext}V]", R"({"req.url":"/a/b"})"), "[][]");
  EXPECT_EQ(render("[%{req.url.basename}V][%{req.url.dirname}V]", R"({"req.url":"/"})"), "[][/]");
  EXPECT_EQ(render("[%{req.url.ext}V]", R"({"req.url":"/v1.2/data?x.y"})"), "[]");
}

TEST(UrlParts, MissingUrl) {
  EXPECT_EQ(render("%{req.url.path}V %{req.url.qs}V", "{}"), "(null) (null)");
}

TEST(MethodAlias, RequestReadsMethod) {
  EXPECT_EQ(render("%{req.request}V", R"({"req.method":"POST"})"), "POST");
}

TEST(MethodAlias, MethodReadsRequest) {
  constexpr std::string_view json = R"({"req.request":"PUT","req.url":"/x","req.proto":"HTTP/2"})";
  EXPECT_EQ(render("%{req.method}V", json), "PUT");
  EXPECT_EQ(render("%m", json), "PUT");
  EXPECT_EQ(render("%r", json), "PUT /x HTTP/2");
}

TEST(ExplicitKeys, WinOverDerivation) {
  EXPECT_EQ(render("%{req.url.path}V", R"({"req.url":"/a/b","req.url.path":"/override"})"),
            "/override");
  EXPECT_EQ(render("%{time.elapsed.msec}V", R"({"time.elapsed.usec":1834,"time.elapsed.msec":99})"),
            "99");
  EXPECT_EQ(
      render("%{time.start.sec}V", R"({"time.start":"2026-11-21T08:00:00Z","time.start.sec":12})"),
      "12");
  EXPECT_EQ(render("%{req.request}V", R"({"req.method":"GET","req.request":"HEAD"})"), "HEAD");
}

TEST(PlainVariables, UnknownKeysAreJustVariables) {
  EXPECT_EQ(render("%{my.custom.key}V", R"({"my.custom.key":"v"})"), "v");
  EXPECT_EQ(render("%{geo.city}V", R"({"geo.city":"Tokyo"})"), "Tokyo");
  EXPECT_EQ(render("%{tls.client.cipher}V", R"({"tls.client.cipher":"TLS_AES_128_GCM_SHA256"})"),
            "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(render("%{obj.hits}V %{obj.ttl}V", R"({"obj.hits":3,"obj.ttl":1.5})"), "3 1.500");
  EXPECT_EQ(render("%{flag}V", R"({"flag":true})"), "1");
}

TEST(PlainVariables, NestedJsonIsKeptAsText) {
  EXPECT_EQ(render("%{geo}V", R"({"geo":{"city":"Tokyo","lat":35.6}})"),
            R"({"city":"Tokyo","lat":35.6})");
  EXPECT_EQ(render("%{tags}V", R"({"tags":["a",1]})"), R"(["a",1])");
}

TEST(PlainVariables, JsonNullIsNotSet) {
  EXPECT_EQ(render("%{req.http.X}V %{X}i", R"({"req.http.X":null})"), "(null) -");
}

}  // namespace
}  // namespace sluice

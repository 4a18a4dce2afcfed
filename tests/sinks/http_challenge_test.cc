#include <gtest/gtest.h>

#include "delivery/dead_letter.h"
#include "queue/disk/queue_dir.h"
#include "sinks/http/challenge.h"
#include "sinks/http/url.h"

namespace sluice {
namespace {

TEST(Challenge, TokenIsHexSha256OfTheServiceId) {
  // FIPS 180-2 test vector, and a value from `echo -n svc1 | sha256sum`.
  EXPECT_EQ(challenge_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(challenge_token("svc1"),
            "5f931ca32153f8b067f6b075d46b39bbe777304f08d69f966b429828f101abe7");
}

TEST(Challenge, AcceptsTheTokenOnItsOwnLineAmongOthers) {
  std::string t = challenge_token("svc1");
  EXPECT_TRUE(challenge_accepts(t, t));
  EXPECT_TRUE(challenge_accepts(t + "\n", t));
  EXPECT_TRUE(challenge_accepts("0000\r\n  " + t + "  \r\nffff\n", t));
  // Upper-case hex is the same digest.
  std::string upper = t;
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(challenge_accepts(upper, t));
}

TEST(Challenge, AcceptsAStarLine) {
  EXPECT_TRUE(challenge_accepts("*", "x"));
  EXPECT_TRUE(challenge_accepts("abc\n*\n", "x"));
}

TEST(Challenge, RejectsPartialLinesAndOtherServices) {
  std::string t = challenge_token("svc1");
  EXPECT_FALSE(challenge_accepts("", t));
  EXPECT_FALSE(challenge_accepts(challenge_token("svc2"), t));
  EXPECT_FALSE(challenge_accepts(t.substr(1), t));
  EXPECT_FALSE(challenge_accepts("token: " + t, t));
  EXPECT_FALSE(challenge_accepts(t + t, t));
  EXPECT_FALSE(challenge_accepts("**", t));
}

TEST(Challenge, UrlIsTheOriginsWellKnownPath) {
  auto u = parse_http_url("https://Logs.Example.com:8443/ingest/v1?key=1");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(challenge_url(*u),
            "https://Logs.Example.com:8443/.well-known/fastly/logging/challenge");
  auto v = parse_http_url("http://127.0.0.1/");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(challenge_url(*v), "http://127.0.0.1/.well-known/fastly/logging/challenge");
}

TEST(HttpUrlParse, Parts) {
  auto u = parse_http_url("HTTPS://[::1]:9000");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, "9000");
  EXPECT_EQ(u->target, "/");
  auto q = parse_http_url("https://h?x=1#frag");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->target, "/?x=1");
}

TEST(HttpUrlParse, Rejections) {
  EXPECT_FALSE(parse_http_url("logs.example.com/x").ok());
  EXPECT_FALSE(parse_http_url("ftp://h/").ok());
  EXPECT_FALSE(parse_http_url("https:///path").ok());
  EXPECT_FALSE(parse_http_url("https://h:99999/").ok());
  EXPECT_FALSE(parse_http_url("https://h:0/").ok());
  EXPECT_FALSE(parse_http_url("https://h:x/").ok());
  EXPECT_FALSE(parse_http_url("https://user:pw@h/").ok());
}

TEST(DeadLetter, PathComponentsCannotEscapeTheStorageDirectory) {
  EXPECT_EQ(escape_path_name("to_https-1.x"), "to_https-1.x");
  EXPECT_EQ(escape_path_name("a/b"), "a%2Fb");
  EXPECT_EQ(escape_path_name(".."), "%2E.");
  EXPECT_EQ(escape_path_name("sp ace"), "sp%20ace");
}

}  // namespace
}  // namespace sluice

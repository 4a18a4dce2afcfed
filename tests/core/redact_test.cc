#include "core/redact.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(RedactUrl, HidesUserinfoAndEveryQueryValueButKeepsTheShape) {
  EXPECT_EQ(redact_url("https://logs.example/in?token=abc123&v=2"),
            "https://logs.example/in?token=(redacted)&v=(redacted)");
  EXPECT_EQ(redact_url("https://u:p@logs.example:8443/a/b?sig=x#frag"),
            "https://(redacted)@logs.example:8443/a/b?sig=(redacted)#frag");
  EXPECT_EQ(redact_url("https://logs.example/in?abc123"), "https://logs.example/in?(redacted)");
  EXPECT_EQ(redact_url("https://logs.example/in?a=&b"), "https://logs.example/in?a=&(redacted)");
  EXPECT_EQ(redact_url("https://logs.example/in#x?y=1"), "https://logs.example/in#x?y=1");
  EXPECT_EQ(redact_url("https://logs.example"), "https://logs.example");
  EXPECT_EQ(redact_url("not a url"), "not a url");
  EXPECT_EQ(url_credentials("https://u:p@h/in?token=abc123&v=2&bare"),
            (std::vector<std::string>{"u:p", "abc123", "2", "bare"}));
}

TEST(RedactExcerpt, KnownSecretsAnywhereEvenCutOffAtTheEnd) {
  std::vector<std::string> secrets = {"Bearer tok-5551234", "abc", "qv-998877"};
  EXPECT_EQ(redact_excerpt("you sent Bearer tok-5551234 and qv-998877 (abc)", secrets),
            "you sent (redacted) and (redacted) (abc)");  // "abc" is too short to look for
  EXPECT_EQ(redact_excerpt("echo: qv-998", secrets), "echo: (redacted)");
  EXPECT_EQ(redact_excerpt("echo: qv-", secrets), "echo: qv-");  // 3 bytes: not a secret's start
}

TEST(RedactExcerpt, CredentialLikeNamesLoseTheirValues) {
  std::vector<std::string> none;
  EXPECT_EQ(
      redact_excerpt("refused\r\nAuthorization: Bearer xyz\r\nX-Api-Key: k1\r\nHost: h\r\n", none),
      "refused  Authorization: (redacted)  X-Api-Key: (redacted)  Host: h");
  EXPECT_EQ(redact_excerpt(R"({"headers":{"authorization":"Basic Zm9v","accept":"*/*"}})", none),
            R"x({"headers":{"authorization":"(redacted)","accept":"*/*"}})x");
  EXPECT_EQ(redact_excerpt("GET /in?access_token=zz9&page=2 refused", none),
            "GET /in?access_token=(redacted)&page=2 refused");
  EXPECT_EQ(redact_excerpt(R"({"error":"invalid api key","code":"key_invalid"})", none),
            R"({"error":"invalid api key","code":"key_invalid"})");
  EXPECT_EQ(redact_excerpt("Cookie: a=1; b=2\nnext", none), "Cookie: (redacted) next");
}

TEST(RedactExcerpt, ControlBytesBecomeSpacesAndTheEdgesAreTrimmed) {
  EXPECT_EQ(redact_excerpt("\n\tbad\x1b[31m request\r\n", {}), "bad [31m request");
  EXPECT_EQ(redact_excerpt("\r\n", {}), "");
}

}  // namespace
}  // namespace sluice

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/backoff.h"
#include "sinks/http/retry_logic.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using Action = HttpVerdict::Action;

// 2026-11-21T08:00:00Z
const auto kNow = std::chrono::system_clock::from_time_t(1795248000);

HttpOutcome status(long s, std::string retry_after = "", std::string body = "") {
  HttpOutcome o;
  o.status = s;
  o.retry_after = std::move(retry_after);
  o.body = std::move(body);
  return o;
}

HttpOutcome transport(HttpOutcome::Transport t, std::string error) {
  HttpOutcome o;
  o.transport_ok = false;
  o.transport = t;
  o.transport_error = std::move(error);
  return o;
}

TEST(HttpRetryLogic, TwoHundredsSucceed) {
  for (long s : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(classify_http_outcome(status(s), "POST u", kNow).action, Action::kSuccess) << s;
  }
}

TEST(HttpRetryLogic, ServerErrorsAnd429And408AreRetried) {
  for (long s : {500, 502, 503, 504, 599, 429, 408}) {
    HttpVerdict v = classify_http_outcome(status(s), "POST u", kNow);
    EXPECT_EQ(v.action, Action::kRetry) << s;
    EXPECT_EQ(v.error_class, ErrorClass::kRetryable) << s;
  }
}

TEST(HttpRetryLogic, OtherClientErrorsArePermanentWithStatusAndBodyInTheMessage) {
  for (long s : {400, 401, 403, 404, 413, 422}) {
    HttpVerdict v = classify_http_outcome(status(s, "", "bad\nrequest"), "POST u", kNow);
    EXPECT_EQ(v.action, Action::kDontRetry) << s;
    EXPECT_EQ(v.error_class, ErrorClass::kPermanent);
    EXPECT_NE(v.message.find("HTTP " + std::to_string(s)), std::string::npos);
    EXPECT_NE(v.message.find("bad request"), std::string::npos) << v.message;
  }
}

TEST(HttpRetryLogic, TheErrorMessageKeepsTheFirst512BytesOfTheBody) {
  std::string body = std::string(512, 'a') + "TAIL";
  HttpVerdict v = classify_http_outcome(status(400, "", body), "POST u", kNow);
  EXPECT_NE(v.message.find(std::string(512, 'a')), std::string::npos);
  EXPECT_EQ(v.message.find("TAIL"), std::string::npos);
}

TEST(HttpRetryLogic, TheBodyExcerptHidesWhatTheRequestCarried) {
  // A receiver that echoes the request's headers in its error page.
  std::vector<std::string> secrets = {"Bearer s3cret-value", "qtoken77"};
  HttpVerdict v = classify_http_outcome(
      status(403, "", "denied\r\nAuthorization: Bearer s3cret-value\r\nX-Token: qtoken77\r\n"),
      "POST https://h/in?t=(redacted)", kNow, secrets);
  EXPECT_EQ(v.message,
            "POST https://h/in?t=(redacted): HTTP 403: denied  Authorization: (redacted)  "
            "X-Token: (redacted)");
}

TEST(HttpRetryLogic, RedirectsAreAConfigurationProblemAndKeepTheLines) {
  HttpVerdict v = classify_http_outcome(status(301), "POST u", kNow);
  EXPECT_EQ(v.action, Action::kRetry);
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
}

TEST(HttpRetryLogic, TransportErrors) {
  auto t = classify_http_outcome(transport(HttpOutcome::Transport::kTimeout, "5001 ms"), "u", kNow);
  EXPECT_EQ(t.action, Action::kRetry);
  EXPECT_EQ(t.error_class, ErrorClass::kRetryable);
  EXPECT_NE(t.message.find("timed out"), std::string::npos);
  auto c =
      classify_http_outcome(transport(HttpOutcome::Transport::kConnection, "refused"), "u", kNow);
  EXPECT_EQ(c.action, Action::kRetry);
  EXPECT_EQ(c.error_class, ErrorClass::kRetryable);
  auto tls =
      classify_http_outcome(transport(HttpOutcome::Transport::kTls, "unknown ca"), "u", kNow);
  EXPECT_EQ(tls.action, Action::kRetry);
  EXPECT_EQ(tls.error_class, ErrorClass::kConfiguration);
}

TEST(HttpRetryLogic, RetryAfterIsTakenFrom429And503) {
  auto v = classify_http_outcome(status(429, "3"), "u", kNow);
  ASSERT_TRUE(v.retry_after.has_value());
  EXPECT_EQ(*v.retry_after, milliseconds(3000));
  auto w = classify_http_outcome(status(503, "Sat, 21 Nov 2026 08:00:07 GMT"), "u", kNow);
  ASSERT_TRUE(w.retry_after.has_value());
  EXPECT_EQ(*w.retry_after, milliseconds(7000));
  EXPECT_FALSE(classify_http_outcome(status(500), "u", kNow).retry_after.has_value());
}

TEST(RetryAfter, Seconds) {
  EXPECT_EQ(parse_retry_after("0", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after(" 120 ", kNow), milliseconds(120000));
  EXPECT_EQ(parse_retry_after("99999999999999999999", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("3600", kNow), kMaxRetryAfter);
}

TEST(RetryAfter, HttpDatesInAllThreeForms) {
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 08:00:10 GMT", kNow), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Saturday, 21-Nov-26 08:00:10 GMT", kNow), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sat Nov 21 08:00:10 2026", kNow), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 07:00:00 GMT", kNow), milliseconds(0));
}

TEST(RetryAfter, GarbageIsIgnored) {
  EXPECT_FALSE(parse_retry_after("", kNow).has_value());
  EXPECT_FALSE(parse_retry_after("soon", kNow).has_value());
  EXPECT_FALSE(parse_retry_after("-5", kNow).has_value());
  EXPECT_FALSE(parse_retry_after("1.5", kNow).has_value());
  EXPECT_FALSE(parse_retry_after("Sat, 21 Nov 2026 08:00:10", kNow).has_value());
}

TEST(HttpBackoff, FullJitterGrowsToTheCapAndResets) {
  Backoff b(milliseconds(100), milliseconds(800), 3);
  milliseconds ceiling(100);
  for (int i = 0; i < 20; ++i) {
    milliseconds d = b.next();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, ceiling);
    ceiling = std::min(ceiling * 2, milliseconds(800));
  }
  b.reset();
  EXPECT_LE(b.next(), milliseconds(100));
  EXPECT_EQ(b.slow(), milliseconds(800));
}

}  // namespace
}  // namespace sluice

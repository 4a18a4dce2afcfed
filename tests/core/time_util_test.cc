#include "core/time_util.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr int64_t kSat21Nov2026 = 1795248000;  // 2026-11-21T08:00:00Z in seconds
constexpr int64_t kUsec = 1000000;

int64_t parsed(std::string_view text) {
  int64_t usec = -1;
  EXPECT_TRUE(parse_rfc3339(text, usec)) << text;
  return usec;
}

bool rejects(std::string_view text) {
  int64_t usec = 0;
  return !parse_rfc3339(text, usec);
}

TEST(ParseRfc3339, WholeSecondsInUtc) {
  EXPECT_EQ(parsed("2026-11-21T08:00:00Z"), kSat21Nov2026 * kUsec);
  EXPECT_EQ(parsed("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parsed("2000-10-10T13:55:36Z"), int64_t{971186136} * kUsec);
}

TEST(ParseRfc3339, FractionsOfAnyLength) {
  EXPECT_EQ(parsed("2026-11-21T08:00:00.5Z"), kSat21Nov2026 * kUsec + 500000);
  EXPECT_EQ(parsed("2026-11-21T08:00:00.123456Z"), kSat21Nov2026 * kUsec + 123456);
  EXPECT_EQ(parsed("2026-11-21T08:00:00.000001Z"), kSat21Nov2026 * kUsec + 1);
  // Digits beyond microseconds are dropped.
  EXPECT_EQ(parsed("2026-11-21T08:00:00.1234569Z"), kSat21Nov2026 * kUsec + 123456);
}

TEST(ParseRfc3339, OffsetsConvertToUtc) {
  EXPECT_EQ(parsed("2026-11-21T17:00:00+09:00"), kSat21Nov2026 * kUsec);
  EXPECT_EQ(parsed("2026-11-21T02:30:00-05:30"), kSat21Nov2026 * kUsec);
  EXPECT_EQ(parsed("2026-11-21T17:00:00.25+09:00"), kSat21Nov2026 * kUsec + 250000);
  EXPECT_EQ(parsed("2026-11-21T08:00:00+00:00"), kSat21Nov2026 * kUsec);
}

TEST(ParseRfc3339, AcceptsLowercaseAndSpaceSeparator) {
  EXPECT_EQ(parsed("2026-11-21t08:00:00z"), kSat21Nov2026 * kUsec);
  EXPECT_EQ(parsed("2026-11-21 08:00:00Z"), kSat21Nov2026 * kUsec);
}

TEST(ParseRfc3339, BeforeTheEpoch) {
  EXPECT_EQ(parsed("1969-12-31T23:59:59.5Z"), -500000);
  EXPECT_EQ(parsed("1969-12-31T23:59:59Z"), -kUsec);
}

TEST(ParseRfc3339, RejectsMalformedText) {
  EXPECT_TRUE(rejects(""));
  EXPECT_TRUE(rejects("garbage"));
  EXPECT_TRUE(rejects("2026-11-21T08:00:00"));       // no zone
  EXPECT_TRUE(rejects("2026-11-21T08:00:00+0900"));  // offset without colon
  EXPECT_TRUE(rejects("2026-11-21T08:00:00Zjunk"));  // trailing text
  EXPECT_TRUE(rejects("2026-13-21T08:00:00Z"));      // month 13
  EXPECT_TRUE(rejects("2026-02-30T08:00:00Z"));      // no such day
  EXPECT_TRUE(rejects("2026-11-21T24:00:00Z"));      // hour 24
  EXPECT_TRUE(rejects("2026-11-21T08:00:00.Z"));     // empty fraction
  EXPECT_TRUE(rejects("2026/11/21T08:00:00Z"));      // wrong separators
  EXPECT_TRUE(rejects("1795248000"));                // a number is not RFC 3339
}

std::string http_date(int64_t usec) {
  LineBuffer out;
  append_http_date(out, usec);
  return fmt::to_string(out);
}

std::string clf_time(int64_t usec) {
  LineBuffer out;
  append_clf_time(out, usec);
  return fmt::to_string(out);
}

std::string formatted(std::string_view format, int64_t usec) {
  LineBuffer out;
  append_strftime(out, format, usec);
  return fmt::to_string(out);
}

TEST(AppendHttpDate, Rfc1123InGmt) {
  EXPECT_EQ(http_date(kSat21Nov2026 * kUsec), "Sat, 21 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(int64_t{971186136} * kUsec), "Tue, 10 Oct 2000 13:55:36 GMT");
  EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(AppendClfTime, ApacheBracketedForm) {
  EXPECT_EQ(clf_time(int64_t{971186136} * kUsec), "[10/Oct/2000:13:55:36 +0000]");
  EXPECT_EQ(clf_time(kSat21Nov2026 * kUsec + 999999), "[21/Nov/2026:08:00:00 +0000]");
  EXPECT_EQ(clf_time(int64_t{946684799} * kUsec), "[31/Dec/1999:23:59:59 +0000]");
}

TEST(AppendStrftime, PosixConversionsInUtc) {
  int64_t t = kSat21Nov2026 * kUsec;
  EXPECT_EQ(formatted("%Y-%m-%dT%H:%M:%S%z", t), "2026-11-21T08:00:00+0000");
  EXPECT_EQ(formatted("%a, %d %b %Y %T %Z", t), "Sat, 21 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(formatted("%j %A %B %%", t), "325 Saturday November %");
  EXPECT_EQ(formatted("plain text", t), "plain text");
  EXPECT_EQ(formatted("", t), "");
}

TEST(AppendStrftime, CacheNeverServesAnotherFormatOrSecond) {
  int64_t t = kSat21Nov2026 * kUsec;
  EXPECT_EQ(formatted("%H:%M:%S", t), "08:00:00");
  EXPECT_EQ(formatted("%H:%M:%S", t + 500000), "08:00:00");  // same second
  EXPECT_EQ(formatted("%H:%M:%S", t + kUsec), "08:00:01");   // next second
  EXPECT_EQ(formatted("%Y", t + kUsec), "2026");             // same second, new format
  EXPECT_EQ(formatted("%H:%M:%S", t + kUsec), "08:00:01");
}

TEST(AppendStrftime, LongResultsAreNotLost) {
  std::string format, expected;
  for (int i = 0; i < 200; ++i) {
    format += "%Y-%m-%d|";
    expected += "2026-11-21|";
  }
  EXPECT_EQ(formatted(format, kSat21Nov2026 * kUsec), expected);
}

TEST(AppendStrftime, AppendsAfterExistingContent) {
  LineBuffer out;
  out.append(std::string_view("t="));
  append_strftime(out, "%Y", kSat21Nov2026 * kUsec);
  EXPECT_EQ(fmt::to_string(out), "t=2026");
}

TEST(UsecToSec, FloorsTowardsNegativeInfinity) {
  EXPECT_EQ(usec_to_sec(0), 0);
  EXPECT_EQ(usec_to_sec(999999), 0);
  EXPECT_EQ(usec_to_sec(1000000), 1);
  EXPECT_EQ(usec_to_sec(-1), -1);
  EXPECT_EQ(usec_to_sec(-1000000), -1);
  EXPECT_EQ(usec_to_sec(-1000001), -2);
}

}  // namespace
}  // namespace sluice

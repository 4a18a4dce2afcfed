#include "sinks/framing.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// 2026-11-21T08:00:00.123Z
std::chrono::system_clock::time_point fixed_time() {
  return sys_days{std::chrono::year{2026} / 11 / 21} + 8h + 123ms;
}

std::string framed(MessageType type, std::string_view token, std::string_view line,
                   std::chrono::system_clock::time_point now = fixed_time(),
                   std::string_view host = "host1", std::string_view endpoint = "ep") {
  LineBuffer out;
  append_framed(out, type, host, endpoint, token, line, now);
  return fmt::to_string(out);
}

TEST(Framing, ClassicIsRfc3164WithLocal0Info) {
  EXPECT_EQ(framed(MessageType::kClassic, "", "GET / 200"),
            "<134>Nov 21 08:00:00 host1 ep: GET / 200");
}

TEST(Framing, ClassicPadsSingleDigitDayWithSpace) {
  auto t = sys_days{std::chrono::year{2026} / 3 / 5} + 23h + 59min + 58s + 999ms;
  EXPECT_EQ(framed(MessageType::kClassic, "", "x", t), "<134>Mar  5 23:59:58 host1 ep: x");
}

TEST(Framing, LogglyIsRfc5424WithMilliseconds) {
  EXPECT_EQ(framed(MessageType::kLoggly, "", "GET / 200"),
            "<134>1 2026-11-21T08:00:00.123Z host1 ep - - - GET / 200");
}

TEST(Framing, LogplexPrefixesTheByteCount) {
  // "<134>1 2026-11-21T08:00:00.123Z host1 ep - - - line" is 51 bytes.
  EXPECT_EQ(framed(MessageType::kLogplex, "", "line"),
            "51 <134>1 2026-11-21T08:00:00.123Z host1 ep - - - line");
}

TEST(Framing, LogplexCountIncludesTokenAndAppendsAfterExistingBytes) {
  LineBuffer out;
  out.append(std::string_view("prev|"));
  append_framed(out, MessageType::kLogplex, "h", "e", "tok", "ab", fixed_time());
  // "<134>1 2026-11-21T08:00:00.123Z h e - - - tok ab" is 48 bytes.
  EXPECT_EQ(fmt::to_string(out), "prev|48 <134>1 2026-11-21T08:00:00.123Z h e - - - tok ab");
}

TEST(Framing, BlankIsTheLineAlone) {
  EXPECT_EQ(framed(MessageType::kBlank, "", "just this"), "just this");
  EXPECT_EQ(framed(MessageType::kBlank, "", ""), "");
}

TEST(Framing, TokenGoesAfterTheHeaderWithASpace) {
  EXPECT_EQ(framed(MessageType::kBlank, "s3cr3t", "line"), "s3cr3t line");
  EXPECT_EQ(framed(MessageType::kClassic, "s3cr3t", "line"),
            "<134>Nov 21 08:00:00 host1 ep: s3cr3t line");
  EXPECT_EQ(framed(MessageType::kLoggly, "s3cr3t", "line"),
            "<134>1 2026-11-21T08:00:00.123Z host1 ep - - - s3cr3t line");
}

TEST(Framing, HeaderFieldsCannotBreakTheHeader) {
  // A space in a name would shift the fields; ':' ends a classic tag early.
  EXPECT_EQ(framed(MessageType::kClassic, "", "x", fixed_time(), "my host", "my ep:1"),
            "<134>Nov 21 08:00:00 my_host my_ep_1: x");
  EXPECT_EQ(framed(MessageType::kLoggly, "", "x", fixed_time(), "", "a:b c"),
            "<134>1 2026-11-21T08:00:00.123Z - a:b_c - - - x");
  // RFC 5424 limits APP-NAME to 48 characters.
  std::string long_name(60, 'n');
  EXPECT_EQ(framed(MessageType::kLoggly, "", "x", fixed_time(), "h", long_name),
            "<134>1 2026-11-21T08:00:00.123Z h " + std::string(48, 'n') + " - - - x");
}

TEST(Framing, EachSecondIsFormattedAfresh) {
  // The per-thread cache must not serve a stale second.
  auto t = fixed_time();
  EXPECT_EQ(framed(MessageType::kLoggly, "", "a", t),
            "<134>1 2026-11-21T08:00:00.123Z host1 ep - - - a");
  EXPECT_EQ(framed(MessageType::kLoggly, "", "a", t + 1s),
            "<134>1 2026-11-21T08:00:01.123Z host1 ep - - - a");
  EXPECT_EQ(framed(MessageType::kClassic, "", "a", t + 86400s), "<134>Nov 22 08:00:00 host1 ep: a");
  EXPECT_EQ(framed(MessageType::kLoggly, "", "a", t + 887ms),
            "<134>1 2026-11-21T08:00:01.010Z host1 ep - - - a");
}

TEST(Framing, NoTrailingNewline) {
  for (auto type :
       {MessageType::kClassic, MessageType::kLoggly, MessageType::kLogplex, MessageType::kBlank}) {
    std::string s = framed(type, "", "line");
    ASSERT_FALSE(s.empty());
    EXPECT_NE(s.back(), '\n');
    EXPECT_EQ(s.substr(s.size() - 4), "line");
  }
}

}  // namespace
}  // namespace sluice

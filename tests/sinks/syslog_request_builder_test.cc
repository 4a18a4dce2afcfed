#include "sinks/syslog/request_builder.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;

std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + 8h;
}

SyslogFraming framing(MessageType type, bool octets = false, std::string token = "") {
  return SyslogFraming{type, "web-1", "to_rsyslog", std::move(token), octets};
}

LineBatch batch_of(std::initializer_list<std::string_view> lines) {
  LineBatch b;
  for (auto l : lines) b.add(l);
  return b;
}

TEST(SyslogRequestBuilder, LfFramingEndsEveryMessageWithNewline) {
  SyslogRequestBuilder builder(framing(MessageType::kBlank));
  LineBuffer out;
  builder.append_stream(batch_of({"first", "", "third line"}), fixed_time(), out);
  EXPECT_EQ(fmt::to_string(out), "first\n\nthird line\n");
}

TEST(SyslogRequestBuilder, ClassicBatchWithToken) {
  SyslogRequestBuilder builder(framing(MessageType::kClassic, false, "tk"));
  LineBuffer out;
  builder.append_stream(batch_of({"a", "b"}), fixed_time(), out);
  EXPECT_EQ(fmt::to_string(out),
            "<134>Nov 21 08:00:00 web-1 to_rsyslog: tk a\n"
            "<134>Nov 21 08:00:00 web-1 to_rsyslog: tk b\n");
}

TEST(SyslogRequestBuilder, OctetCountingPrefixesEachMessage) {
  SyslogRequestBuilder builder(framing(MessageType::kBlank, true));
  LineBuffer out;
  builder.append_stream(batch_of({"a", "hello world", ""}), fixed_time(), out);
  EXPECT_EQ(fmt::to_string(out), "1 a11 hello world0 ");

  SyslogRequestBuilder classic(framing(MessageType::kClassic, true));
  out.clear();
  classic.append_stream(batch_of({"x"}), fixed_time(), out);
  // "<134>Nov 21 08:00:00 web-1 to_rsyslog: x" is 40 bytes.
  EXPECT_EQ(fmt::to_string(out), "40 <134>Nov 21 08:00:00 web-1 to_rsyslog: x");
}

TEST(SyslogRequestBuilder, AppendsToWhatIsThere) {
  SyslogRequestBuilder builder(framing(MessageType::kBlank));
  LineBuffer out;
  builder.append_stream(batch_of({"1"}), fixed_time(), out);
  builder.append_stream(batch_of({"2", "3"}), fixed_time(), out);
  EXPECT_EQ(fmt::to_string(out), "1\n2\n3\n");
}

TEST(SyslogRequestBuilder, DatagramHasNoTransportFraming) {
  SyslogRequestBuilder builder(framing(MessageType::kLoggly, true));
  LineBuffer out;
  EXPECT_FALSE(builder.build_datagram("msg", fixed_time(), out));
  EXPECT_EQ(fmt::to_string(out), "<134>1 2026-11-21T08:00:00.000Z web-1 to_rsyslog - - - msg");
}

TEST(SyslogRequestBuilder, OversizedDatagramIsCutToFit) {
  SyslogRequestBuilder builder(framing(MessageType::kClassic));
  std::string line(70000, 'x');
  LineBuffer out;
  EXPECT_TRUE(builder.build_datagram(line, fixed_time(), out));
  EXPECT_EQ(out.size(), kMaxSyslogDatagramBytes);
  std::string s = fmt::to_string(out);
  EXPECT_EQ(s.rfind("<134>Nov 21 08:00:00 web-1 to_rsyslog: xxx", 0), 0u);

  // Exactly at the limit: not cut.
  SyslogRequestBuilder blank(framing(MessageType::kBlank));
  EXPECT_FALSE(blank.build_datagram(std::string(kMaxSyslogDatagramBytes, 'y'), fixed_time(), out));
  EXPECT_EQ(out.size(), kMaxSyslogDatagramBytes);
  EXPECT_TRUE(
      blank.build_datagram(std::string(kMaxSyslogDatagramBytes + 1, 'y'), fixed_time(), out));
  EXPECT_EQ(out.size(), kMaxSyslogDatagramBytes);
}

TEST(SyslogRequestBuilder, DatagramCutKeepsUtf8CharactersWhole) {
  SyslogRequestBuilder builder(framing(MessageType::kBlank));
  // "é" is two bytes; an odd limit would split the last one.
  std::string line;
  while (line.size() < kMaxSyslogDatagramBytes + 10) line += "\xC3\xA9";
  LineBuffer out;
  EXPECT_TRUE(builder.build_datagram(line, fixed_time(), out));
  EXPECT_LE(out.size(), kMaxSyslogDatagramBytes);
  EXPECT_EQ(out.size() % 2, 0u);
  EXPECT_EQ(static_cast<unsigned char>(out.data()[out.size() - 1]), 0xA9);
}

TEST(SyslogRequestBuilder, CutLogplexDatagramKeepsItsCountRight) {
  SyslogRequestBuilder builder(framing(MessageType::kLogplex));
  LineBuffer out;
  EXPECT_TRUE(builder.build_datagram(std::string(66000, 'z'), fixed_time(), out));
  std::string s = fmt::to_string(out);
  EXPECT_LE(s.size(), kMaxSyslogDatagramBytes);
  size_t space = s.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_EQ(std::stoul(s.substr(0, space)), s.size() - space - 1);
}

}  // namespace
}  // namespace sluice

#include "sources/syslog/syslog_message.h"

#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Format = SyslogMessage::Format;

TEST(SyslogMessage, Rfc3164Complete) {
  std::string frame = R"(<190>Nov 21 08:00:00 web-1 nginx: {"req.method":"GET"})";
  SyslogMessage m = parse_syslog_message(frame);
  EXPECT_EQ(m.format, Format::kRfc3164);
  EXPECT_EQ(m.pri, 190);
  EXPECT_EQ(m.facility(), 23);
  EXPECT_EQ(m.severity(), 6);
  EXPECT_EQ(m.timestamp, "Nov 21 08:00:00");
  EXPECT_EQ(m.hostname, "web-1");
  EXPECT_EQ(m.app_name, "nginx");
  EXPECT_EQ(m.procid, "");
  EXPECT_EQ(m.payload, R"({"req.method":"GET"})");
}

TEST(SyslogMessage, Rfc3164WithPidAndSpacePaddedDay) {
  SyslogMessage m = parse_syslog_message("<13>Feb  5 17:32:18 10.0.0.99 sshd[4242]: Accepted key");
  EXPECT_EQ(m.format, Format::kRfc3164);
  EXPECT_EQ(m.timestamp, "Feb  5 17:32:18");
  EXPECT_EQ(m.hostname, "10.0.0.99");
  EXPECT_EQ(m.app_name, "sshd");
  EXPECT_EQ(m.procid, "4242");
  EXPECT_EQ(m.payload, "Accepted key");
}

TEST(SyslogMessage, Rfc3164UnpaddedDayAndFraction) {
  SyslogMessage m = parse_syslog_message("<14>Mar 7 01:02:03.456 host app: text");
  EXPECT_EQ(m.timestamp, "Mar 7 01:02:03.456");
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "app");
  EXPECT_EQ(m.payload, "text");
}

TEST(SyslogMessage, Rfc3164IsoTimestamp) {
  SyslogMessage m =
      parse_syslog_message("<134>2026-11-21T08:00:00.123+09:00 cache-nrt1 fastly[1]: hello");
  EXPECT_EQ(m.timestamp, "2026-11-21T08:00:00.123+09:00");
  EXPECT_EQ(m.hostname, "cache-nrt1");
  EXPECT_EQ(m.app_name, "fastly");
  EXPECT_EQ(m.procid, "1");
  EXPECT_EQ(m.payload, "hello");
}

TEST(SyslogMessage, Rfc3164WithoutHostname) {
  SyslogMessage m = parse_syslog_message("<134>Nov 21 08:00:00 myapp: the message");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.app_name, "myapp");
  EXPECT_EQ(m.payload, "the message");
}

TEST(SyslogMessage, Rfc3164WithoutTag) {
  SyslogMessage m = parse_syslog_message("<134>Nov 21 08:00:00 myhost the message: with colon");
  EXPECT_EQ(m.hostname, "myhost");
  EXPECT_EQ(m.app_name, "");
  EXPECT_EQ(m.payload, "the message: with colon");
}

TEST(SyslogMessage, Rfc3164OnlyPri) {
  SyslogMessage m = parse_syslog_message("<13>syslog svc1 ep :: hello");
  EXPECT_EQ(m.format, Format::kRfc3164);
  EXPECT_EQ(m.pri, 13);
  EXPECT_EQ(m.timestamp, "");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.payload, "syslog svc1 ep :: hello");
}

TEST(SyslogMessage, Rfc3164TagWithoutTimestamp) {
  SyslogMessage m = parse_syslog_message("<13>host app[7]: msg");
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "app");
  EXPECT_EQ(m.procid, "7");
  EXPECT_EQ(m.payload, "msg");
  m = parse_syslog_message("<13>app: msg");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.app_name, "app");
  EXPECT_EQ(m.payload, "msg");
}

TEST(SyslogMessage, Rfc3164WithoutTimestampKeepsFirstWords) {
  // Without a timestamp, a leading word is not taken for a hostname.
  SyslogMessage m = parse_syslog_message("<13>hello world");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.payload, "hello world");
}

TEST(SyslogMessage, KnownPayloadIsNeverAHostname) {
  SyslogMessage m = parse_syslog_message("<134>Nov 21 08:00:00 syslog svc1 errors :: boom");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.payload, "syslog svc1 errors :: boom");
  m = parse_syslog_message(R"(<134>Nov 21 08:00:00 {"a":1})");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.payload, R"({"a":1})");
  m = parse_syslog_message(R"(<134>Nov 21 08:00:00 host {"a":"b: c"})");
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "");
  EXPECT_EQ(m.payload, R"({"a":"b: c"})");
}

TEST(SyslogMessage, Rfc3164TimestampOnlyKeepsLoneWord) {
  SyslogMessage m = parse_syslog_message("<13>Nov 21 08:00:00 hello");
  EXPECT_EQ(m.timestamp, "Nov 21 08:00:00");
  EXPECT_EQ(m.payload, "hello");
  m = parse_syslog_message("<13>Nov 21 08:00:00");
  EXPECT_EQ(m.timestamp, "Nov 21 08:00:00");
  EXPECT_EQ(m.payload, "");
  m = parse_syslog_message("<13>");
  EXPECT_EQ(m.format, Format::kRfc3164);
  EXPECT_EQ(m.payload, "");
}

TEST(SyslogMessage, BadTimestampIsText) {
  // "Nox" is no month and 25:61 no time a parser should care about: no timestamp is taken.
  SyslogMessage m = parse_syslog_message("<13>Nox 21 08:00:00 host app: x");
  EXPECT_EQ(m.timestamp, "");
  EXPECT_EQ(m.payload, "Nox 21 08:00:00 host app: x");
  m = parse_syslog_message("<13>Nov 21 08:00 host app: x");
  EXPECT_EQ(m.timestamp, "");
}

TEST(SyslogMessage, TagRules) {
  // A word with characters no tag has is not a tag.
  SyslogMessage m = parse_syslog_message(R"(<13>Nov 21 08:00:00 host "quoted": x)");
  EXPECT_EQ(m.app_name, "");
  EXPECT_EQ(m.payload, R"("quoted": x)");
  m = parse_syslog_message("<13>Nov 21 08:00:00 host [5]: x");
  EXPECT_EQ(m.app_name, "");
  m = parse_syslog_message("<13>Nov 21 08:00:00 host app[]: x");
  EXPECT_EQ(m.app_name, "");
  // The one space after "tag:" is a separator; more are message.
  m = parse_syslog_message("<13>Nov 21 08:00:00 host app:   indented");
  EXPECT_EQ(m.payload, "  indented");
  m = parse_syslog_message("<13>Nov 21 08:00:00 host app:");
  EXPECT_EQ(m.app_name, "app");
  EXPECT_EQ(m.payload, "");
}

TEST(SyslogMessage, NoHeader) {
  for (std::string frame : {"plain text", "syslog svc ep :: m", R"({"a":1})", "<>x", "<1234>x",
                            "<192>x", "<12", "<ab>x", "", "<-1>x"}) {
    SyslogMessage m = parse_syslog_message(frame);
    EXPECT_EQ(m.format, Format::kNone) << frame;
    EXPECT_EQ(m.pri, -1) << frame;
    EXPECT_EQ(m.payload, frame) << frame;
  }
}

TEST(SyslogMessage, PriBounds) {
  EXPECT_EQ(parse_syslog_message("<0>x").pri, 0);
  EXPECT_EQ(parse_syslog_message("<191>x").pri, 191);
  EXPECT_EQ(parse_syslog_message("<007>x").pri, 7);
}

TEST(SyslogMessage, Rfc5424Complete) {
  std::string frame =
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
      "\xEF\xBB\xBF"
      "An application event";
  SyslogMessage m = parse_syslog_message(frame);
  EXPECT_EQ(m.format, Format::kRfc5424);
  EXPECT_EQ(m.pri, 165);
  EXPECT_EQ(m.timestamp, "2003-10-11T22:14:15.003Z");
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.app_name, "evntslog");
  EXPECT_EQ(m.procid, "");
  EXPECT_EQ(m.msgid, "ID47");
  EXPECT_EQ(m.structured_data,
            R"([exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"])");
  EXPECT_EQ(m.payload, "An application event");  // without the BOM
}

TEST(SyslogMessage, Rfc5424NilValues) {
  SyslogMessage m = parse_syslog_message("<34>1 - - - - - - syslog svc ep :: msg");
  EXPECT_EQ(m.format, Format::kRfc5424);
  EXPECT_EQ(m.timestamp, "");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.structured_data, "");
  EXPECT_EQ(m.payload, "syslog svc ep :: msg");
}

TEST(SyslogMessage, Rfc5424WithoutMessage) {
  SyslogMessage m = parse_syslog_message("<34>1 2026-01-01T00:00:00Z h a p m -");
  EXPECT_EQ(m.format, Format::kRfc5424);
  EXPECT_EQ(m.msgid, "m");
  EXPECT_EQ(m.payload, "");
  m = parse_syslog_message("<34>1 2026-01-01T00:00:00Z h a p m [x@1 a=\"b\"]");
  EXPECT_EQ(m.structured_data, "[x@1 a=\"b\"]");
  EXPECT_EQ(m.payload, "");
}

TEST(SyslogMessage, Rfc5424SeveralSdElementsWithEscapes) {
  SyslogMessage m =
      parse_syslog_message(R"(<34>1 - h a p m [a@1 x="q\"]u\\"][b@2 y="]"] {"req.url":"/"})");
  EXPECT_EQ(m.structured_data, R"([a@1 x="q\"]u\\"][b@2 y="]"])");
  EXPECT_EQ(m.payload, R"({"req.url":"/"})");
}

TEST(SyslogMessage, Rfc5424MalformedSdKeepsText) {
  // An unclosed element: the text from the SD position on is the payload, not lost.
  SyslogMessage m = parse_syslog_message(R"(<34>1 - h a p m [a@1 x="y" message)");
  EXPECT_EQ(m.format, Format::kRfc5424);
  EXPECT_EQ(m.payload, R"([a@1 x="y" message)");
  m = parse_syslog_message("<34>1 - h a p m hello world");
  EXPECT_EQ(m.payload, "hello world");
  m = parse_syslog_message("<34>1 - h a p m -x");
  EXPECT_EQ(m.payload, "-x");
}

TEST(SyslogMessage, Rfc5424CutShort) {
  SyslogMessage m = parse_syslog_message("<34>1 2026-01-01T00:00:00Z host");
  EXPECT_EQ(m.format, Format::kRfc5424);
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "");
  EXPECT_EQ(m.payload, "");
}

TEST(SyslogMessage, VersionOtherThanOneIs3164) {
  SyslogMessage m = parse_syslog_message("<34>2 - h a p m - msg");
  EXPECT_EQ(m.format, Format::kRfc3164);
  EXPECT_EQ(m.payload, "2 - h a p m - msg");
  m = parse_syslog_message("<34>10 - h");
  EXPECT_EQ(m.format, Format::kRfc3164);
}

TEST(SyslogMessage, BomOnlyStrippedAtStartOf5424Msg) {
  SyslogMessage m = parse_syslog_message("<34>Nov 21 08:00:00 h a: \xEF\xBB\xBFx");
  EXPECT_EQ(m.payload, "\xEF\xBB\xBFx");
  m = parse_syslog_message("<34>1 - h a p m - x\xEF\xBB\xBF");
  EXPECT_EQ(m.payload, "x\xEF\xBB\xBF");
}

TEST(SyslogMessage, BinaryGarbageDoesNotEscapeTheFrame) {
  std::string frame("<13>\0\xff\x01 \0: ", 10);
  SyslogMessage m = parse_syslog_message(frame);
  EXPECT_GE(m.payload.data(), frame.data());
  EXPECT_LE(m.payload.data() + m.payload.size(), frame.data() + frame.size());
}

}  // namespace
}  // namespace sluice

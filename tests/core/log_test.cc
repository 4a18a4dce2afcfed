#include "core/log.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "core/rate_limited_log.h"
#include "file_text.h"

namespace sluice {
namespace {

using testing::file_text;

TEST(Log, LevelsParseAndFilter) {
  EXPECT_EQ(parse_log_level("warn").value(), LogLevel::kWarn);
  auto bad = parse_log_level("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("\"verbose\" is not a log level"), std::string::npos);
  LogLevel before = log_level();
  set_log_level(LogLevel::kWarn);
  EXPECT_TRUE(log_enabled(LogLevel::kError));
  EXPECT_TRUE(log_enabled(LogLevel::kWarn));
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  set_log_level(before);
}

TEST(Log, ALineIsPrefixedAndWrittenWhole) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  write_log_line("reloaded a.toml: detail", f);
  EXPECT_EQ(file_text(f), "sluice: reloaded a.toml: detail\n");
  std::fclose(f);
}

TEST(Log, ControlBytesAreEscapedSoNoInputCanForgeALine) {
  // A rejected JSON key with a newline and an ESC sequence, as a sender could post it.
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  write_log_line("rejected key \"a\nsluice: reload ok\x1b[2J\r\t\x7f\" ok", f);
  EXPECT_EQ(file_text(f), "sluice: rejected key \"a\\nsluice: reload ok\\x1b[2J\\r\\t\\x7f\" ok\n");
  std::fclose(f);
  f = std::tmpfile();
  RateLimitedLog limited("sluice: source x", std::chrono::seconds(1), f);
  limited.log("bad line {}", std::string_view("one\ntwo"));
  EXPECT_EQ(file_text(f), "sluice: source x: bad line one\\ntwo\n");
  std::fclose(f);
  std::string utf8 = "caf\xc3\xa9";
  std::string out;
  append_log_escaped(out, utf8);
  EXPECT_EQ(out, utf8);  // only control bytes change
}

TEST(Log, RateLimitedLinesAreWarningsAndFollowTheLevel) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  LogLevel before = log_level();
  set_log_level(LogLevel::kError);
  RateLimitedLog log("src", std::chrono::hours(1), f);
  log.log("rejected {}", 1);
  EXPECT_EQ(file_text(f), "");
  set_log_level(LogLevel::kWarn);
  log.log("rejected {}", 2);
  EXPECT_EQ(file_text(f), "src: rejected 2\n");
  set_log_level(before);
  std::fclose(f);
}

}  // namespace
}  // namespace sluice

#include "core/line_rules.h"

#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

struct Applied {
  std::string line;
  LineCut cut;
};

Applied cut_line(std::string_view text, size_t max_bytes = kDefaultMaxLineBytes) {
  LineBuffer buf;
  buf.append(text);
  LineCut cut = apply_line_rules(buf, 0, max_bytes);
  return {fmt::to_string(buf), cut};
}

TEST(LineRules, ShortLineIsUntouched) {
  Applied a = cut_line("GET /a 200");
  EXPECT_EQ(a.line, "GET /a 200");
  EXPECT_FALSE(a.cut.any());
}

TEST(LineRules, EmptyLine) {
  Applied a = cut_line("");
  EXPECT_EQ(a.line, "");
  EXPECT_FALSE(a.cut.any());
}

TEST(LineRules, EndsAtTheFirstNewline) {
  Applied a = cut_line("first\nsecond\nthird");
  EXPECT_EQ(a.line, "first");
  EXPECT_TRUE(a.cut.at_terminator);
  EXPECT_FALSE(a.cut.at_limit);
  EXPECT_EQ(cut_line("\nx").line, "");
  EXPECT_EQ(cut_line("trailing\n").line, "trailing");
  EXPECT_TRUE(cut_line("trailing\n").cut.at_terminator);
}

TEST(LineRules, EndsAtNul) {
  Applied a = cut_line(std::string_view("ab\0cd", 5));
  EXPECT_EQ(a.line, "ab");
  EXPECT_TRUE(a.cut.at_terminator);
}

TEST(LineRules, WhicheverTerminatorComesFirst) {
  EXPECT_EQ(cut_line(std::string_view("a\0b\nc", 5)).line, "a");
  EXPECT_EQ(cut_line(std::string_view("a\nb\0c", 5)).line, "a");
}

TEST(LineRules, CarriageReturnIsNotATerminator) {
  Applied a = cut_line("a\rb");
  EXPECT_EQ(a.line, "a\rb");
  EXPECT_FALSE(a.cut.any());
}

TEST(LineRules, CapsAt16KiBByDefault) {
  EXPECT_EQ(kDefaultMaxLineBytes, 16384u);
  Applied exact = cut_line(std::string(16384, 'x'));
  EXPECT_EQ(exact.line.size(), 16384u);
  EXPECT_FALSE(exact.cut.any());

  Applied over = cut_line(std::string(16385, 'x'));
  EXPECT_EQ(over.line, std::string(16384, 'x'));
  EXPECT_TRUE(over.cut.at_limit);
  EXPECT_FALSE(over.cut.at_terminator);
}

TEST(LineRules, LargeLimitIs64KiB) {
  EXPECT_EQ(kLargeMaxLineBytes, 65536u);
  Applied a = cut_line(std::string(70000, 'y'), kLargeMaxLineBytes);
  EXPECT_EQ(a.line.size(), 65536u);
  EXPECT_TRUE(a.cut.at_limit);
  EXPECT_FALSE(cut_line(std::string(20000, 'y'), kLargeMaxLineBytes).cut.any());
}

TEST(LineRules, CustomLimit) {
  Applied a = cut_line("0123456789abcdef", 10);
  EXPECT_EQ(a.line, "0123456789");
  EXPECT_TRUE(a.cut.at_limit);
}

TEST(LineRules, TerminatorThenLimit) {
  // The newline cut happens first; what is left is still too long.
  Applied a = cut_line(std::string(30, 'z') + "\nmore", 10);
  EXPECT_EQ(a.line, std::string(10, 'z'));
  EXPECT_TRUE(a.cut.at_terminator);
  EXPECT_TRUE(a.cut.at_limit);
  // A newline inside the limit leaves nothing to cap.
  Applied b = cut_line("abc\n" + std::string(30, 'z'), 10);
  EXPECT_EQ(b.line, "abc");
  EXPECT_TRUE(b.cut.at_terminator);
  EXPECT_FALSE(b.cut.at_limit);
}

TEST(LineRules, CutBacksOffToAUtf8Boundary) {
  const std::string e_acute = "\xC3\xA9";           // 2 bytes
  const std::string yen = "\xE5\x86\x86";           // 3 bytes
  const std::string grinning = "\xF0\x9F\x98\x80";  // 4 bytes

  // The limit falls inside a 2-byte character: keep the bytes before it.
  EXPECT_EQ(cut_line("aaaaaaaa" + e_acute + "b", 9).line, "aaaaaaaa");
  // A limit just after a character keeps it whole.
  EXPECT_EQ(cut_line("aaaaaaaa" + e_acute + "b", 10).line, "aaaaaaaa" + e_acute);
  // Inside a 3-byte character, at each continuation byte.
  EXPECT_EQ(cut_line("aa" + yen + "b", 3).line, "aa");
  EXPECT_EQ(cut_line("aa" + yen + "b", 4).line, "aa");
  EXPECT_EQ(cut_line("aa" + yen + "b", 5).line, "aa" + yen);
  // Inside a 4-byte character, at each continuation byte.
  for (size_t limit = 8; limit <= 10; ++limit) {
    Applied a = cut_line("aaaaaaa" + grinning + "tail", limit);
    EXPECT_EQ(a.line, "aaaaaaa") << limit;
    EXPECT_TRUE(a.cut.at_limit);
  }
  EXPECT_EQ(cut_line("aaaaaaa" + grinning + "tail", 11).line, "aaaaaaa" + grinning);
}

TEST(LineRules, OnlyTheLineAfterStartIsTouched) {
  LineBuffer buf;
  buf.append(std::string_view("earlier\nline|"));
  size_t start = buf.size();
  buf.append(std::string_view("new line\nrest"));
  LineCut cut = apply_line_rules(buf, start, 5);
  EXPECT_EQ(fmt::to_string(buf), "earlier\nline|new l");
  EXPECT_TRUE(cut.at_terminator);
  EXPECT_TRUE(cut.at_limit);
}

TEST(LineRuleCounters, CountEachCut) {
  LineRuleCounters counters;
  counters.count(LineCut{});
  counters.count(LineCut{true, false});
  counters.count(LineCut{false, true});
  counters.count(LineCut{true, true});
  EXPECT_EQ(counters.cut_at_terminator, 2u);
  EXPECT_EQ(counters.truncated_at_limit, 2u);
}

// The terminator search steps 32 or 16 bytes at a time: a '\n' or NUL at every position of
// lines up to 100 bytes long (across both step sizes), with a second one after it, must cut
// exactly where a plain byte loop finds the first.
TEST(LineRules, CutsAtTheFirstTerminatorAtEveryPosition) {
  for (size_t n = 0; n <= 100; ++n) {
    for (char filler : {'x', '\x01', '\x80', '\x0b'}) {
      std::string plain(n, filler);
      EXPECT_FALSE(cut_line(plain).cut.any()) << n;
      for (size_t at = 0; at < n; ++at) {
        for (char t : {'\n', '\0'}) {
          std::string s = plain;
          s[at] = t;
          if (at + 5 < n) s[at + 5] = t == '\n' ? '\0' : '\n';
          Applied a = cut_line(s);
          EXPECT_EQ(a.line, s.substr(0, at)) << n << " at " << at;
          EXPECT_TRUE(a.cut.at_terminator) << n << " at " << at;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sluice

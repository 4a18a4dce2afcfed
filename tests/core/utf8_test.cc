#include "core/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string valid(std::string_view in) {
  std::string out;
  append_valid_utf8(out, in);
  return out;
}

TEST(Utf8, ValidTextIsCopied) {
  EXPECT_EQ(valid("svc1"), "svc1");
  EXPECT_EQ(valid("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80");
  EXPECT_EQ(valid(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Utf8, EachBadByteBecomesAReplacementCharacter) {
  EXPECT_EQ(valid("sv\xFF"
                  "c1"),
            "sv\xEF\xBF\xBD"
            "c1");
  EXPECT_EQ(valid("\xC3"), "\xEF\xBF\xBD");                                  // cut short
  EXPECT_EQ(valid("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(valid("\xF4\x90\x80\x80").size(), 12u);                          // above U+10FFFF
  EXPECT_EQ(valid("\x80x"), "\xEF\xBF\xBDx");                                // a lone continuation
}

TEST(Utf8, SequenceLength) {
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x9C\x93"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80"), 4u);
  EXPECT_EQ(utf8_sequence_length(""), 0u);
  EXPECT_EQ(utf8_sequence_length("\xFF"), 0u);
}

}  // namespace
}  // namespace sluice

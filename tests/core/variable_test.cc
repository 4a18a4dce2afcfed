#include "core/variable.h"

#include <gtest/gtest.h>

#include "core/did_you_mean.h"

namespace sluice {
namespace {

TEST(FoldHash, IgnoresAsciiCase) {
  EXPECT_EQ(fold_hash("req.http.Host"), fold_hash("REQ.HTTP.host"));
  EXPECT_NE(fold_hash("req.http.Host"), fold_hash("req.http.Hosts"));
}

TEST(EqualFolded, ComparesWithoutCase) {
  EXPECT_TRUE(equal_folded("Cache-Control", "cache-control"));
  EXPECT_FALSE(equal_folded("Cache-Control", "cache-contro"));
  EXPECT_FALSE(equal_folded("a", "b"));
  EXPECT_TRUE(equal_folded("", ""));
  // Only ASCII letters fold; other bytes must match exactly.
  EXPECT_FALSE(equal_folded("\xC3\xA9", "\xC3\x89"));
}

TEST(VariableRef, ResolvesDerivedNames) {
  EXPECT_EQ(VariableRef::make("time.start").derived, Derived::kTimeStart);
  EXPECT_EQ(VariableRef::make("time.end.usec").derived, Derived::kTimeEndUsec);
  EXPECT_EQ(VariableRef::make("time.elapsed").derived, Derived::kTimeElapsed);
  EXPECT_EQ(VariableRef::make("req.url.dirname").derived, Derived::kUrlDirname);
  EXPECT_EQ(VariableRef::make("REQ.URL.EXT").derived, Derived::kUrlExt);
  EXPECT_EQ(VariableRef::make("req.request").derived, Derived::kReqRequest);
  EXPECT_EQ(VariableRef::make("req.http.Host").derived, Derived::kNone);
  EXPECT_EQ(VariableRef::make("time.start.x").derived, Derived::kNone);
  EXPECT_EQ(VariableRef::make("req.http.Host").name, "req.http.Host");
  EXPECT_EQ(VariableRef::make("req.http.Host").hash, fold_hash("req.http.host"));
}

TEST(ClosestMatch, SuggestsPlausibleTypos) {
  std::vector<std::string_view> names = {"std.tolower", "std.toupper", "std.strlen"};
  EXPECT_EQ(closest_match("std.tolowerr", names), "std.tolower");
  EXPECT_EQ(closest_match("std.toupr", names), "std.toupper");
  EXPECT_EQ(closest_match("completely.different", names), "");
  EXPECT_EQ(closest_match("x", {}), "");
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// The word-at-a-time compare against a byte-by-byte reference, for every length up to 40 and a
// case or byte difference at every position: the overlapping last word must not hide one.
TEST(EqualFolded, WordAtATimeMatchesByteByByteAtEveryLengthAndPosition) {
  const std::string base = "req.http.X-Forwarded-For.Something-Long!";
  auto reference = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
      if (x >= 'A' && x <= 'Z') x += 32;
      if (y >= 'A' && y <= 'Z') y += 32;
      if (x != y) return false;
    }
    return true;
  };
  for (size_t n = 1; n <= base.size(); ++n) {
    std::string a = base.substr(0, n);
    for (size_t i = 0; i < n; ++i) {
      std::string upper = a, changed = a, folded_neighbour = a;
      upper[i] = char(std::toupper(static_cast<unsigned char>(upper[i])));
      changed[i] = char(changed[i] ^ 0x01);
      // '@' and '`', '[' and '{' differ only in the 0x20 bit but are not letters.
      folded_neighbour[i] = char(folded_neighbour[i] ^ 0x20);
      for (const std::string& b : {upper, changed, folded_neighbour}) {
        EXPECT_EQ(equal_folded(a, b), reference(a, b)) << '"' << a << "\" vs \"" << b << '"';
        EXPECT_EQ(fold_hash(a) == fold_hash(b) || !reference(a, b), true) << a << " / " << b;
      }
    }
  }
  EXPECT_FALSE(equal_folded("@abcdefgh", "`abcdefgh"));
  EXPECT_FALSE(equal_folded("[abcdefgh", "{abcdefgh"));
  EXPECT_FALSE(equal_folded("\xC3\x89t\xC3\xA9-header", "\xC3\xA9t\xC3\xA9-header"));  // not ASCII
  EXPECT_TRUE(equal_folded("REQ.HTTP.USER-AGENT", "req.http.user-agent"));
}

TEST(FoldWord, LowersExactlyTheAsciiCapitals) {
  for (int c = 0; c < 256; ++c) {
    uint64_t word = uint64_t(c) * 0x0101010101010101ull;
    uint64_t expect = uint64_t(c >= 'A' && c <= 'Z' ? c + 32 : c) * 0x0101010101010101ull;
    EXPECT_EQ(fold_word(word), expect) << c;
  }
}

}  // namespace
}  // namespace sluice

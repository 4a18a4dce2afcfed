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

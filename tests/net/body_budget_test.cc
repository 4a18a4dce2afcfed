#include "net/body_budget.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(BodyBudget, ABodyAloneMayPassTheLimitOthersMayNot) {
  BodyBudget budget(100);
  BodyLease big(&budget);
  EXPECT_TRUE(big.grow(150));  // alone
  BodyLease other(&budget);
  EXPECT_FALSE(other.grow(1));
  big.release();
  EXPECT_TRUE(other.grow(100));
  EXPECT_FALSE(big.grow(1));
  other.release();
  EXPECT_EQ(budget.held(), 0u);
}

// The heaps are trimmed once when a burst that held at least the threshold drains to nothing,
// and never for a load that stays below it, however many bodies it has.
TEST(BodyBudget, TrimsOnceWhenABurstDrains) {
  int trims = 0;
  BodyBudget budget(1000, 300, [&] { ++trims; });
  for (int i = 0; i < 50; ++i) {
    BodyLease a(&budget);
    BodyLease b(&budget);
    ASSERT_TRUE(a.grow(100));
    ASSERT_TRUE(b.grow(100));
  }
  EXPECT_EQ(trims, 0) << "a steady load below the threshold reuses its heap";

  {
    BodyLease a(&budget);
    BodyLease b(&budget);
    ASSERT_TRUE(a.grow(200));
    ASSERT_TRUE(b.grow(150));
    a.release();
    EXPECT_EQ(trims, 0) << "not while a body is still in progress";
  }
  EXPECT_EQ(trims, 1);
  {
    BodyLease small(&budget);
    ASSERT_TRUE(small.grow(10));
  }
  EXPECT_EQ(trims, 1) << "the peak is counted from the last trim";
}

}  // namespace
}  // namespace sluice

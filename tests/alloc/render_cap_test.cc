// Issue 14: "Rendering builds a whole line before the line rules cut it: regsuball nested twice
// over a 1 MB field took 1.2 GB and 4.3 s for one record." Every value rendering builds is cut
// at the line limit (EvalContext::max_value_bytes), so one record costs memory bounded by the
// limit whatever the format nests. Measured by counting what operator new is asked for (see
// allocation_counter.h), not by timing.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "format/line_renderer.h"

#include "allocation_counter.h"

namespace sluice {
namespace {

using testing::allocation_counts;
using testing::CountAllocations;

constexpr size_t kField = 1 << 20;

// A record with one field of `size` bytes of 'a'.
Record big_record(size_t size) {
  Record r;
  std::string value(size, 'a');
  r.reserve_storage(value.size() + 16);
  r.add(r.store("req.http.X"), Value::string(r.store(value)));
  return r;
}

// regsuball(... regsuball(req.http.X, "a", "aaaa") ..., "a", "aaaa"), `depth` deep: each level
// makes its input four times as long.
std::string nested_regsuball(int depth) {
  std::string expr = "req.http.X";
  for (int i = 0; i < depth; ++i) expr = fmt::format(R"(regsuball({}, "a", "aaaa"))", expr);
  return "%{" + expr + "}V";
}

void expect_bounded(int depth, size_t limit) {
  SCOPED_TRACE(fmt::format("depth {}, limit {}", depth, limit));
  auto format = LogFormat::compile(nested_regsuball(depth));
  ASSERT_TRUE(format.ok()) << format.error().message();
  LineRenderer renderer(std::move(*format), std::nullopt, limit);
  Record record = big_record(kField);
  EvalContext ctx;
  LineBuffer out;
  {
    CountAllocations scope;
    ASSERT_TRUE(renderer.render(record, ctx, out));
  }
  EXPECT_EQ(out.size(), limit);
  EXPECT_EQ(std::string_view(out.data(), 16), "aaaaaaaaaaaaaaaa");
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
  if (!testing::kAllocationsCounted) return;  // ASan: the sizes are not seen
  // What the render asked of the heap, all told: the line, the regex buffer as it doubles up to
  // the limit, a scratch block, RE2's own state. Before the cap the first level alone built 4 MiB;
  // now the total stays within a few limits and below the size of the field it reads.
  EXPECT_LE(allocation_counts.bytes, 16 * limit);
  EXPECT_LT(allocation_counts.bytes, kField);
  EXPECT_LE(allocation_counts.largest, 4 * limit);
}

TEST(RenderCap, RegsuballNestedTwiceOverAMegabyteStaysWithinTheLineLimit) {
  expect_bounded(2, kDefaultMaxLineBytes);
  expect_bounded(2, kLargeMaxLineBytes);
}

TEST(RenderCap, RegsuballNestedThreeTimesOverAMegabyteStaysWithinTheLineLimit) {
  expect_bounded(3, kDefaultMaxLineBytes);
  expect_bounded(3, kLargeMaxLineBytes);
}

// The same record rendered again costs nothing new: no buffer grew to the field's size and
// stayed there, the way the per-thread regex buffer and the scratch blocks used to.
TEST(RenderCap, ASecondRenderAllocatesNothing) {
  if (!testing::kAllocationsCounted) GTEST_SKIP() << "allocation counting is off under ASan";
  auto format = LogFormat::compile(nested_regsuball(3));
  ASSERT_TRUE(format.ok()) << format.error().message();
  LineRenderer renderer(std::move(*format), std::nullopt, kDefaultMaxLineBytes);
  Record record = big_record(kField);
  EvalContext ctx;
  LineBuffer out;
  ASSERT_TRUE(renderer.render(record, ctx, out));
  out.clear();
  {
    CountAllocations scope;
    ASSERT_TRUE(renderer.render(record, ctx, out));
  }
  EXPECT_EQ(allocation_counts.allocations, 0u);
  EXPECT_EQ(out.size(), kDefaultMaxLineBytes);
}

// Concatenation is capped too: the same megabyte field joined to itself eight times.
TEST(RenderCap, ConcatenationStopsAtTheLineLimit) {
  std::string expr = "req.http.X";
  for (int i = 0; i < 7; ++i) expr += " + req.http.X";
  auto format = LogFormat::compile("%{std.toupper(" + expr + ")}V");
  ASSERT_TRUE(format.ok()) << format.error().message();
  LineRenderer renderer(std::move(*format), std::nullopt, kDefaultMaxLineBytes);
  Record record = big_record(kField);
  EvalContext ctx;
  LineBuffer out;
  {
    CountAllocations scope;
    ASSERT_TRUE(renderer.render(record, ctx, out));
  }
  EXPECT_EQ(out.size(), kDefaultMaxLineBytes);
  EXPECT_EQ(std::string_view(out.data(), 4), "AAAA");
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
  if (testing::kAllocationsCounted) {
    EXPECT_LT(allocation_counts.bytes, kField);
  }
}

}  // namespace
}  // namespace sluice

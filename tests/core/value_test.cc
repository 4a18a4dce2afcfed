#include "core/value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr int64_t kSat21Nov2026 = 1795248000;  // 2026-11-21T08:00:00Z in seconds

std::string shown(const Value& v) {
  LineBuffer out;
  append_value(out, v);
  return fmt::to_string(out);
}

std::string as_argument(const Value& v) {
  LineBuffer out;
  append_value_or_empty(out, v);
  return fmt::to_string(out);
}

TEST(AppendValue, NotSetIsNullInALogPosition) {
  EXPECT_EQ(shown(Value::not_set()), "(null)");
}

TEST(AppendValue, NotSetIsEmptyAsAnArgument) {
  EXPECT_EQ(as_argument(Value::not_set()), "");
}

TEST(AppendValue, StringsAreCopiedVerbatim) {
  EXPECT_EQ(shown(Value::string("a b\"c")), "a b\"c");
  EXPECT_EQ(shown(Value::string("")), "");
}

TEST(AppendValue, IntegersAreDecimal) {
  EXPECT_EQ(shown(Value::integer_value(0)), "0");
  EXPECT_EQ(shown(Value::integer_value(-42)), "-42");
  EXPECT_EQ(shown(Value::integer_value(std::numeric_limits<int64_t>::max())),
            "9223372036854775807");
  EXPECT_EQ(shown(Value::integer_value(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
}

// Every digit count and both signs, at the edges where the digit count changes, and a spread of
// others, against std::to_string; appended after text already in the buffer.
TEST(AppendValue, IntegersOfEveryLengthMatchToString) {
  std::vector<int64_t> values = {0,
                                 1,
                                 9,
                                 10,
                                 99,
                                 100,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min()};
  for (int64_t p = 10; p <= std::numeric_limits<int64_t>::max() / 10; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, p * 3 + 7}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int k = 0; k < 1000; ++k) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back(int64_t(x >> (k % 60)));
  }
  for (int64_t p = 1; p <= 1000000000; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, p * 7 + 3}) values.push_back(v);
  }
  for (int64_t v : values) {
    LineBuffer out, fast;
    out.append(std::string_view("n="));
    fast.append(std::string_view("n="));
    append_value(out, Value::integer_value(v));
    append_value_fast(fast, Value::integer_value(v));
    EXPECT_EQ(fmt::to_string(out), "n=" + std::to_string(v));
    EXPECT_EQ(fmt::to_string(fast), "n=" + std::to_string(v));
  }
}

TEST(AppendValue, FloatsHaveThreeDecimals) {
  EXPECT_EQ(shown(Value::float_value(1.5)), "1.500");
  EXPECT_EQ(shown(Value::float_value(2.0 / 3.0)), "0.667");
  EXPECT_EQ(shown(Value::float_value(-0.25)), "-0.250");
  EXPECT_EQ(shown(Value::float_value(0)), "0.000");
}

TEST(AppendValue, NonFiniteFloatsUseVclSpelling) {
  EXPECT_EQ(shown(Value::float_value(std::nan(""))), "NaN");
  EXPECT_EQ(shown(Value::float_value(std::numeric_limits<double>::infinity())), "inf");
  EXPECT_EQ(shown(Value::float_value(-std::numeric_limits<double>::infinity())), "-inf");
}

TEST(AppendValue, BoolsAreOneAndZero) {
  EXPECT_EQ(shown(Value::bool_value(true)), "1");
  EXPECT_EQ(shown(Value::bool_value(false)), "0");
}

TEST(AppendValue, TimesAreHttpDates) {
  EXPECT_EQ(shown(Value::time_usec(kSat21Nov2026 * 1000000)), "Sat, 21 Nov 2026 08:00:00 GMT");
  // The fraction is dropped, not rounded.
  EXPECT_EQ(shown(Value::time_usec(kSat21Nov2026 * 1000000 + 999999)),
            "Sat, 21 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(shown(Value::time_usec(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(AppendValue, RelativeTimesAreSecondsWithThreeDecimals) {
  EXPECT_EQ(shown(Value::reltime_usec(1834)), "0.001");
  EXPECT_EQ(shown(Value::reltime_usec(999)), "0.000");
  EXPECT_EQ(shown(Value::reltime_usec(2500000)), "2.500");
  EXPECT_EQ(shown(Value::reltime_usec(302400000000)), "302400.000");
  EXPECT_EQ(shown(Value::reltime_usec(-1500)), "-0.001");
}

TEST(Truthy, NotSetIsFalse) {
  EXPECT_FALSE(truthy(Value::not_set()));
}

TEST(Truthy, AnySetStringIsTrueEvenEmpty) {
  EXPECT_TRUE(truthy(Value::string("")));
  EXPECT_TRUE(truthy(Value::string("0")));
  EXPECT_TRUE(truthy(Value::string("false")));
}

TEST(Truthy, NumbersAreTrueWhenNonZero) {
  EXPECT_FALSE(truthy(Value::integer_value(0)));
  EXPECT_TRUE(truthy(Value::integer_value(-1)));
  EXPECT_FALSE(truthy(Value::float_value(0.0)));
  EXPECT_TRUE(truthy(Value::float_value(0.001)));
  EXPECT_FALSE(truthy(Value::reltime_usec(0)));
  EXPECT_TRUE(truthy(Value::reltime_usec(1)));
}

TEST(Truthy, BoolsAreThemselves) {
  EXPECT_TRUE(truthy(Value::bool_value(true)));
  EXPECT_FALSE(truthy(Value::bool_value(false)));
}

struct PrefixCase {
  const char* text;
  bool ok;
  int64_t value;
};

class ParseIntegerPrefix : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(ParseIntegerPrefix, ReadsLikeStdAtoi) {
  const PrefixCase& c = GetParam();
  int64_t out = 12345;
  EXPECT_EQ(parse_integer_prefix(c.text, out), c.ok) << '"' << c.text << '"';
  if (c.ok) {
    EXPECT_EQ(out, c.value) << '"' << c.text << '"';
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseIntegerPrefix,
    ::testing::Values(PrefixCase{"12abc", true, 12}, PrefixCase{"-5", true, -5},
                      PrefixCase{"+7", true, 7}, PrefixCase{"  42", true, 42},
                      PrefixCase{"\t8 ", true, 8}, PrefixCase{"0", true, 0},
                      PrefixCase{"007", true, 7}, PrefixCase{"", false, 0},
                      PrefixCase{"abc", false, 0}, PrefixCase{"-", false, 0},
                      PrefixCase{"+", false, 0}, PrefixCase{"- 5", false, 0},
                      PrefixCase{"9223372036854775807", true, INT64_MAX},
                      PrefixCase{"9223372036854775808", true, INT64_MAX},
                      PrefixCase{"99999999999999999999999", true, INT64_MAX},
                      PrefixCase{"-9223372036854775808", true, INT64_MIN},
                      PrefixCase{"-9223372036854775809", true, INT64_MIN},
                      PrefixCase{"-99999999999999999999999", true, INT64_MIN}));

}  // namespace
}  // namespace sluice

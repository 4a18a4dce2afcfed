#include "core/value.h"

#include <cmath>

#include "core/time_util.h"

namespace sluice {
namespace {

void append_integer(LineBuffer& out, int64_t i) {
  fmt::format_int f(i);
  append_bytes(out, f.data(), f.size());
}

// FLOAT and RTIME print with exactly three decimals, as VCL does ("0.002").
void append_fixed3(LineBuffer& out, double d) {
  if (!std::isfinite(d)) {
    // VCL spells them NaN, inf and -inf.
    std::string_view s = std::isnan(d) ? "NaN" : d > 0 ? "inf" : "-inf";
    append_bytes(out, s);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{:.3f}", d);
}

void append_reltime(LineBuffer& out, int64_t usec) {
  // Integer arithmetic so that 1834 µs prints as 0.001 exactly, with no binary rounding noise.
  bool negative = usec < 0;
  uint64_t u = negative ? uint64_t(0) - uint64_t(usec) : uint64_t(usec);
  uint64_t ms = u / 1000;
  if (negative) out.push_back('-');
  fmt::format_to(std::back_inserter(out), "{}.{:03}", ms / 1000, ms % 1000);
}

}  // namespace

void append_value_or_empty(LineBuffer& out, const Value& v) {
  switch (v.kind) {
    case ValueKind::kNotSet:
      return;
    case ValueKind::kString:
      append_bytes(out, v.str);
      return;
    case ValueKind::kInteger:
      append_integer(out, v.integer);
      return;
    case ValueKind::kFloat:
      append_fixed3(out, v.real);
      return;
    case ValueKind::kBool:
      out.push_back(v.boolean ? '1' : '0');
      return;
    case ValueKind::kTime:
      append_http_date(out, v.integer);
      return;
    case ValueKind::kRelTime:
      append_reltime(out, v.integer);
      return;
  }
}

void append_value(LineBuffer& out, const Value& v) {
  if (!v.is_set()) {
    static constexpr std::string_view kNull = "(null)";
    append_bytes(out, kNull);
    return;
  }
  append_value_or_empty(out, v);
}

bool parse_integer_prefix(std::string_view s, int64_t& out) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  uint64_t acc = 0;
  size_t start = i;
  constexpr uint64_t kLimit = uint64_t(INT64_MAX) + 1;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    // Saturate instead of overflowing on hostile input.
    acc = acc > kLimit / 10 ? kLimit : acc * 10 + uint64_t(s[i] - '0');
    if (acc > kLimit) acc = kLimit;
    ++i;
  }
  if (i == start) return false;
  if (negative) {
    out = acc >= kLimit ? INT64_MIN : -int64_t(acc);
  } else {
    out = acc >= kLimit ? INT64_MAX : int64_t(acc);
  }
  return true;
}

}  // namespace sluice

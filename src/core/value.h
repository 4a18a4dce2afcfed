#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "core/line_buffer.h"

namespace sluice {

// The VCL types a record value or an expression can have. kNotSet is VCL's NULL: a variable the
// record does not carry, or a function result that does not exist.
enum class ValueKind : uint8_t { kNotSet, kString, kInteger, kFloat, kBool, kTime, kRelTime };

// A typed value. Strings are views: into the record, into the compiled program (literals) or
// into the render scratch arena; a Value never owns memory and lives no longer than one render.
struct Value {
  ValueKind kind = ValueKind::kNotSet;
  bool boolean = false;
  int64_t integer = 0;  // kInteger; kTime: µs since the epoch; kRelTime: µs
  double real = 0;      // kFloat
  std::string_view str;

  static Value not_set() { return {}; }
  static Value string(std::string_view s) {
    Value v;
    v.kind = ValueKind::kString;
    v.str = s;
    return v;
  }
  static Value integer_value(int64_t i) {
    Value v;
    v.kind = ValueKind::kInteger;
    v.integer = i;
    return v;
  }
  static Value float_value(double d) {
    Value v;
    v.kind = ValueKind::kFloat;
    v.real = d;
    return v;
  }
  static Value bool_value(bool b) {
    Value v;
    v.kind = ValueKind::kBool;
    v.boolean = b;
    return v;
  }
  static Value time_usec(int64_t usec) {
    Value v;
    v.kind = ValueKind::kTime;
    v.integer = usec;
    return v;
  }
  static Value reltime_usec(int64_t usec) {
    Value v;
    v.kind = ValueKind::kRelTime;
    v.integer = usec;
    return v;
  }

  [[nodiscard]] bool is_set() const { return kind != ValueKind::kNotSet; }
};

// Appends the VCL string form of a value, the one a %{...}V position prints:
// not set "(null)", INTEGER decimal, FLOAT with 3 decimals, BOOL "1"/"0",
// TIME as an HTTP date ("Sat, 21 Nov 2026 08:00:00 GMT"), RTIME as seconds with 3 decimals.
void append_value(LineBuffer& out, const Value& v);

// The same, but a not-set value appends nothing: what a function argument sees.
void append_value_or_empty(LineBuffer& out, const Value& v);

// Appends a whole number below 10^8 (statuses, sizes, durations: most integers of a log line)
// straight into the line, two digits at a time from the end; the general path builds the text
// in fmt::format_int's buffer and copies it with a call, which cost three times this.
inline void append_small_integer(LineBuffer& out, uint32_t v) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  size_t n = v < 100       ? (v < 10 ? 1 : 2)
             : v < 10000   ? (v < 1000 ? 3 : 4)
             : v < 1000000 ? (v < 100000 ? 5 : 6)
                           : (v < 10000000 ? 7 : 8);
  size_t size = out.size();
  if (n > out.capacity() - size) out.reserve(size + n);
  char* end = out.data() + size + n;
  while (v >= 100) {
    end -= 2;
    std::memcpy(end, kPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(end - 2, kPairs + v * 2, 2);
  } else {
    end[-1] = char('0' + v);
  }
  out.resize(size + n);
}

// append_value with the common cases, a string and a small whole number, inline.
inline void append_value_fast(LineBuffer& out, const Value& v) {
  if (v.kind == ValueKind::kString) {
    append_bytes(out, v.str);
  } else if (v.kind == ValueKind::kInteger && uint64_t(v.integer) < 100000000) {
    append_small_integer(out, uint32_t(v.integer));
  } else {
    append_value(out, v);
  }
}

// VCL's boolean view of a value: not set is false, a set string is true, numbers are true when
// non-zero. Inline: every if() and condition asks it, mostly of a header's presence.
[[nodiscard]] inline bool truthy(const Value& v) {
  switch (v.kind) {
    case ValueKind::kNotSet:
      return false;
    case ValueKind::kString:
      return true;
    case ValueKind::kInteger:
    case ValueKind::kTime:
    case ValueKind::kRelTime:
      return v.integer != 0;
    case ValueKind::kFloat:
      return v.real != 0;
    case ValueKind::kBool:
      return v.boolean;
  }
  return false;
}

// Reads a value as an integer the way std.atoi does: leading whitespace, sign, digits; anything
// else stops the scan. Returns false when no digit was read.
[[nodiscard]] bool parse_integer_prefix(std::string_view s, int64_t& out);

}  // namespace sluice

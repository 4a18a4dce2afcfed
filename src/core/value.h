#pragma once

#include <cstdint>
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

// append_value with the common case, a string, inline.
inline void append_value_fast(LineBuffer& out, const Value& v) {
  if (v.kind == ValueKind::kString) {
    append_bytes(out, v.str);
  } else {
    append_value(out, v);
  }
}

// VCL's boolean view of a value: not set is false, a set string is true, numbers are true when
// non-zero.
[[nodiscard]] bool truthy(const Value& v);

// Reads a value as an integer the way std.atoi does: leading whitespace, sign, digits; anything
// else stops the scan. Returns false when no digit was read.
[[nodiscard]] bool parse_integer_prefix(std::string_view s, int64_t& out);

}  // namespace sluice

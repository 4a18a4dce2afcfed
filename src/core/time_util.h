#pragma once

#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace sluice {

// Parses an RFC 3339 timestamp ("2026-11-21T08:00:00Z", "2026-11-21T08:00:00.123456+09:00";
// a space instead of 'T' is accepted) into µs since the epoch. Returns false on anything else.
[[nodiscard]] bool parse_rfc3339(std::string_view s, int64_t& usec_out);

// "Sat, 21 Nov 2026 08:00:00 GMT": how VCL turns a TIME into a string.
void append_http_date(LineBuffer& out, int64_t usec);

// "[21/Nov/2026:08:00:00 +0000]": Apache's %t.
void append_clf_time(LineBuffer& out, int64_t usec);

// strftime(3) in UTC. Results are cached per thread by (format, second) because log streams
// render the same second over and over and libc's strftime dominates a JSON line otherwise.
void append_strftime(LineBuffer& out, std::string_view format, int64_t usec);

// Floor division of µs into whole seconds, correct for times before the epoch (and INT64_MIN).
[[nodiscard]] inline int64_t usec_to_sec(int64_t usec) {
  int64_t q = usec / 1000000;
  return usec % 1000000 < 0 ? q - 1 : q;
}

// Checked arithmetic for times that come from records: a value that does not fit is treated as
// not set instead of overflowing (undefined behaviour the fuzzers found).
[[nodiscard]] inline bool checked_mul(int64_t v, int64_t factor, int64_t& out) {
  return !__builtin_mul_overflow(v, factor, &out);
}
[[nodiscard]] inline bool checked_add(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}
// Also rejects NaN.
[[nodiscard]] inline bool double_to_int64(double d, int64_t& out) {
  if (!(d > -9.2e18 && d < 9.2e18)) return false;
  out = int64_t(d);
  return true;
}

// Times sluice formats: years 0 to 9999. Outside, a time prints as "datetime out of bounds"
// (VCL's words) rather than as a nonsense date.
inline constexpr int64_t kMinTimeUsec = -62167219200LL * 1000000;           // 0000-01-01T00:00:00Z
inline constexpr int64_t kMaxTimeUsec = 253402300799LL * 1000000 + 999999;  // 9999-12-31T23:59:59Z
[[nodiscard]] inline bool time_in_range(int64_t usec) {
  return usec >= kMinTimeUsec && usec <= kMaxTimeUsec;
}

}  // namespace sluice

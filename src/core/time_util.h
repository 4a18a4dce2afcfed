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

// Floor division of µs into whole seconds, correct for times before the epoch.
[[nodiscard]] inline int64_t usec_to_sec(int64_t usec) {
  return usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000);
}

}  // namespace sluice

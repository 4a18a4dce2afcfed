#pragma once

#include <cstddef>
#include <cstdint>

#include "core/value.h"

namespace sluice {

// Line rules (DESIGN "Events"): a message is one line, ending at its first '\n' or NUL, and
// no longer than a limit: 16 KiB by default, 64 KiB where a service raises it.
inline constexpr size_t kDefaultMaxLineBytes = 16 * 1024;
inline constexpr size_t kLargeMaxLineBytes = 64 * 1024;

struct LineCut {
  bool at_terminator = false;  // a '\n' or NUL ended the line early
  bool at_limit = false;       // the line was longer than the limit
  [[nodiscard]] bool any() const { return at_terminator || at_limit; }
};

// Counts every cut so that nothing is shortened silently.
struct LineRuleCounters {
  uint64_t cut_at_terminator = 0;
  uint64_t truncated_at_limit = 0;
  void count(LineCut cut) {
    cut_at_terminator += cut.at_terminator ? 1 : 0;
    truncated_at_limit += cut.at_limit ? 1 : 0;
  }
};

// Applies the rules to the line that starts at `start` in `buf` and runs to its end, shrinking
// the buffer. A cut at the limit backs off to a UTF-8 character boundary.
LineCut apply_line_rules(LineBuffer& buf, size_t start, size_t max_bytes = kDefaultMaxLineBytes);

}  // namespace sluice

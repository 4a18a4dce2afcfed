#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include <string_view>

#include "core/line_rules.h"
#include "core/scratch_arena.h"
#include "core/utf8.h"

namespace sluice {

// Per-thread state for rendering: scratch memory for function results and what `now` means.
// One context serves any number of formats and conditions on the same thread; it is reset at
// the start of every render, so strings it holds live for one line only.
struct EvalContext {
  ScratchArena arena;
  // Wall-clock µs used for `now` when a record carries neither `now` nor a time.end.
  int64_t now_usec = 0;
  std::mt19937_64 random{std::random_device{}()};
  // The most bytes any string that rendering builds may hold: a function's result, a
  // concatenation, the line itself. LineRenderer sets it to the endpoint's line limit before
  // each record, since no value can show more of itself than the line it ends in. Without the
  // cap a format nesting regsuball over a large field multiplies the field at each level (1 MB
  // became 1.2 GB); with it, one record costs memory and time bounded by the limit and the size
  // of the format. Values that only point into the record (a variable, substr) are not copied,
  // so they are not cut; what copies them is.
  size_t max_value_bytes = kLargeMaxLineBytes;
  // Set when a value was cut at max_value_bytes; LineRenderer counts the line as cut at the
  // limit, since what it shows is not what the format asked for. The renderer clears it.
  bool value_cut = false;

  // `s`, or its first max_value_bytes cut at a character boundary and the cut noted: what a
  // built value may keep, and what a function whose result is at least as long as its input
  // (an escape, a case change) needs to read of it. One comparison per value.
  [[nodiscard]] std::string_view capped(std::string_view s) {
    if (s.size() <= max_value_bytes) return s;
    value_cut = true;
    return s.substr(0, utf8_cut_length(s, max_value_bytes));
  }
};

}  // namespace sluice

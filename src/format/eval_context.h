#pragma once

#include <cstdint>
#include <random>

#include "core/scratch_arena.h"

namespace sluice {

// Per-thread state for rendering: scratch memory for function results and what `now` means.
// One context serves any number of formats and conditions on the same thread; it is reset at
// the start of every render, so strings it holds live for one line only.
struct EvalContext {
  ScratchArena arena;
  // Wall-clock µs used for `now` when a record carries neither `now` nor a time.end.
  int64_t now_usec = 0;
  std::mt19937_64 random{std::random_device{}()};
};

}  // namespace sluice

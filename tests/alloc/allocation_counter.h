#pragma once

// What the test binary's operator new has seen on this thread while `counting` is true. The
// replacement operator new is defined once, in no_allocation_test.cc (a program has one); tests
// of other files read the counts through this header.

#include <cstddef>

namespace sluice::testing {

struct AllocationCounts {
  size_t allocations = 0;
  size_t bytes = 0;    // the sum of the sizes asked for (not what is held at once)
  size_t largest = 0;  // the largest single allocation
};

inline thread_local bool counting_allocations = false;
inline thread_local AllocationCounts allocation_counts;

// Counts the allocations of its scope on this thread.
class CountAllocations {
 public:
  CountAllocations() {
    allocation_counts = {};
    counting_allocations = true;
  }
  ~CountAllocations() { counting_allocations = false; }
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
};

inline void count_allocation(size_t size) {
  if (!counting_allocations) return;
  ++allocation_counts.allocations;
  allocation_counts.bytes += size;
  if (size > allocation_counts.largest) allocation_counts.largest = size;
}

// AddressSanitizer owns operator new and delete in its builds and reports a partial
// replacement as an alloc-dealloc mismatch; the counting runs in the release build.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAllocationsCounted = false;
#else
inline constexpr bool kAllocationsCounted = true;
#endif

}  // namespace sluice::testing

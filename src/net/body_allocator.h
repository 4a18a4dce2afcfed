#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include <sys/mman.h>

namespace sluice {

// The allocator of request bodies (BodyString): a body of kBodyMapBytes or more is mapped from
// the kernel on its own and unmapped when it is freed, so its memory is returned at once.
// Through malloc it would not be: glibc raises its mmap threshold to the size of the last large
// block freed, so later bodies come from the heap, and what the heap held for many concurrent
// bodies can stay resident after they are gone (a probe saw 854 MB stay; with gzip bodies 64 MB
// stayed where this allocator leaves 14 MB). Smaller bodies use malloc, whose
// reuse saves the page faults; what they can keep is bounded by the body budget (BodyBudget).
// MAP_POPULATE faults a body's pages in with the one system call: a body is written whole.
inline constexpr size_t kBodyMapBytes = 256 * 1024;

template <typename T>
struct BodyAllocator {
  using value_type = T;
  BodyAllocator() = default;
  template <typename U>
  BodyAllocator(const BodyAllocator<U>&) noexcept {}  // NOLINT: allocators convert implicitly

  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kBodyMapBytes) {
      void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();  // as std::allocator: out of memory
      return static_cast<T*>(p);
    }
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return static_cast<T*>(p);
    throw std::bad_alloc();
  }
  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes >= kBodyMapBytes) {
      munmap(p, bytes);
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const BodyAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const BodyAllocator<U>&) const noexcept {
    return false;
  }
};

// A request body, as read and as decoded.
using BodyString = std::basic_string<char, std::char_traits<char>, BodyAllocator<char>>;

}  // namespace sluice

#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

namespace sluice {

// The buffer that a log line is rendered into. Callers own it and reuse it across lines, so
// rendering allocates only when a line is longer than any before it (fmt's memory_buffer).
using LineBuffer = fmt::memory_buffer;

// Appends n bytes. fmt's own append() is an out-of-line loop that re-checks capacity chunk by
// chunk; a rendered line is dozens of short appends, and this inline form (one capacity check,
// one memcpy) halved their cost in the render benchmark.
//
// Up to 16 bytes are copied as two overlapping fixed-size words instead of by a call to the
// library's memcpy: the literal text between fields and most values are that short, and the
// call with its size dispatch cost more than the copy.
inline void append_bytes(LineBuffer& out, const char* p, size_t n) {
  size_t size = out.size();
  if (n > out.capacity() - size) out.reserve(size + n);  // grows geometrically
  char* d = out.data() + size;
  if (n >= 8) {
    if (n <= 16) {
      uint64_t lo, hi;
      std::memcpy(&lo, p, 8);
      std::memcpy(&hi, p + n - 8, 8);
      std::memcpy(d, &lo, 8);
      std::memcpy(d + n - 8, &hi, 8);
    } else {
      std::memcpy(d, p, n);
    }
  } else if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    std::memcpy(d, &lo, 4);
    std::memcpy(d + n - 4, &hi, 4);
  } else if (n != 0) {
    d[0] = p[0];
    d[n / 2] = p[n / 2];
    d[n - 1] = p[n - 1];
  }
  out.resize(size + n);
}

// Appends the first n bytes of p, which holds n rounded up to a multiple of 16 bytes (padding
// after the text): whole 16-byte blocks are copied, with no size dispatch. For the literal text
// of a compiled format, which is the same on every line.
inline void append_padded(LineBuffer& out, const char* p, size_t n) {
  size_t size = out.size();
  size_t blocks = (n + 15) & ~size_t(15);
  if (blocks > out.capacity() - size) out.reserve(size + blocks);
  char* d = out.data() + size;
  for (size_t i = 0; i < n; i += 16) std::memcpy(d + i, p + i, 16);
  out.resize(size + n);
}

inline void append_bytes(LineBuffer& out, std::string_view s) {
  append_bytes(out, s.data(), s.size());
}

}  // namespace sluice

#include "core/line_rules.h"

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sluice {

namespace {

// The offset of the first '\n' or NUL in p[0, n), or n: one pass for both bytes, where two
// memchr calls read every rendered line twice (a fifteenth of the cost of rendering a JSON line).
size_t find_terminator_portable(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    if (unsigned m = unsigned(_mm_movemask_epi8(hit))) return i + size_t(__builtin_ctz(m));
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '\n' || p[i] == '\0') return i;
  }
  return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
// A bit per byte of the 32 at p that is '\n' or NUL.
__attribute__((target("avx2"))) inline uint32_t terminators_avx2(const char* p) {
  __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  __m256i hit = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_setzero_si256()),
                                _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
  return uint32_t(_mm256_movemask_epi8(hit));
}

// 64 bytes a step on CPUs with AVX2 (the build targets plain x86-64, so it is chosen at run
// time); the last block overlaps the one before, whose bytes are known to hold neither.
__attribute__((target("avx2"))) size_t find_terminator_avx2(const char* p, size_t n) {
  if (n < 32) return find_terminator_portable(p, n);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t m = uint64_t(terminators_avx2(p + i)) | uint64_t(terminators_avx2(p + i + 32)) << 32;
    if (m != 0) return i + size_t(__builtin_ctzll(m));
  }
  if (i + 32 <= n) {
    if (uint32_t m = terminators_avx2(p + i)) return i + size_t(__builtin_ctz(m));
    i += 32;
  }
  if (i < n) {
    if (uint32_t m = terminators_avx2(p + n - 32)) return n - 32 + size_t(__builtin_ctz(m));
  }
  return n;
}

using FindTerminator = size_t (*)(const char*, size_t);
FindTerminator choose_find_terminator() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? find_terminator_avx2 : find_terminator_portable;
}
const FindTerminator find_terminator = choose_find_terminator();
#else
constexpr auto find_terminator = find_terminator_portable;
#endif

}  // namespace

LineCut apply_line_rules(LineBuffer& buf, size_t start, size_t max_bytes) {
  LineCut cut;
  const char* line = buf.data() + start;
  size_t len = buf.size() - start;
  if (size_t at = find_terminator(line, len); at != len) {
    len = at;
    cut.at_terminator = true;
  }
  if (len > max_bytes) {
    len = max_bytes;
    // Step back over continuation bytes so a multi-byte character is not split in half.
    size_t back = 0;
    while (len > 0 && back < 3 && (static_cast<unsigned char>(line[len]) & 0xC0) == 0x80) {
      --len;
      ++back;
    }
    cut.at_limit = true;
  }
  buf.resize(start + len);
  return cut;
}

}  // namespace sluice

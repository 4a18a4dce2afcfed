#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice {

// Variables that sluice computes from others when a record does not carry them. A record that
// does carry the key always wins over the derivation.
enum class Derived : uint8_t {
  kNone,
  kTimeStart,
  kTimeStartSec,
  kTimeStartMsec,
  kTimeStartUsec,
  kTimeStartMsecFrac,
  kTimeStartUsecFrac,
  kTimeEnd,
  kTimeEndSec,
  kTimeEndMsec,
  kTimeEndUsec,
  kTimeEndMsecFrac,
  kTimeEndUsecFrac,
  kTimeElapsed,
  kTimeElapsedSec,
  kTimeElapsedMsec,
  kTimeElapsedUsec,
  kTimeElapsedMsecFrac,
  kTimeElapsedUsecFrac,
  kUrlPath,
  kUrlQs,
  kUrlExt,
  kUrlBasename,
  kUrlDirname,
  kReqRequest,  // alias of req.method
  kReqMethod,   // alias of req.request
  kNow,
};

// Hash of a variable name with ASCII case folded, so that header names match without regard to
// case (req.http.host finds req.http.Host).
[[nodiscard]] uint64_t fold_hash(std::string_view name);

// ASCII upper case to lower case in eight bytes at once; other bytes are unchanged.
[[nodiscard]] inline uint64_t fold_word(uint64_t x) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t low7 = x & ~kHigh;
  uint64_t above_z = low7 + 0x2525252525252525ull;   // high bit set where the byte > 'Z'
  uint64_t from_a = low7 + 0x3F3F3F3F3F3F3F3Full;    // high bit set where the byte >= 'A'
  uint64_t upper = (from_a ^ above_z) & ~x & kHigh;  // 'A'..'Z', and ASCII only
  return x | (upper >> 2);                           // + 0x20
}

// The case-folded comparison for two names of the same length; see equal_folded.
[[nodiscard]] bool equal_folded_slow(std::string_view a, std::string_view b);

// Compares two names without regard to ASCII case, eight bytes at a time. Names almost always
// arrive in the case the format spells them, so the folding rarely changes a word; doing it in
// registers keeps a lookup free of library calls.
[[nodiscard]] inline bool equal_folded(std::string_view a, std::string_view b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) return equal_folded_slow(a, b);
  const char* p = a.data();
  const char* q = b.data();
  auto word = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  auto same = [&](size_t at) {
    uint64_t x = word(p + at), y = word(q + at);
    return x == y || fold_word(x) == fold_word(y);
  };
  for (size_t i = 0; i + 8 < n; i += 8) {
    if (!same(i)) return false;
  }
  return same(n - 8);  // the last eight bytes, overlapping when n is not a multiple of 8
}

// A variable name resolved at compile time: its folded hash, its slot and, for derivable names,
// how to compute it. Resolving once keeps the per-record lookup to a hash probe, or to one array
// read once a record's shape has bound the slot (see Record).
struct VariableRef {
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  std::string name;
  uint64_t hash = 0;
  // One number per case-folded name in the process, the same for every VariableRef of that
  // name: records remember per slot where their shape holds the name. A constant after make(),
  // so a compiled format stays free of shared mutable state.
  uint32_t slot = kNoSlot;
  Derived derived = Derived::kNone;

  [[nodiscard]] static VariableRef make(std::string_view name);
};

}  // namespace sluice

#include "core/variable.h"

#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace sluice {
namespace {

inline unsigned char fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

constexpr std::array<std::pair<std::string_view, Derived>, 26> kDerived = {{
    {"time.start", Derived::kTimeStart},
    {"time.start.sec", Derived::kTimeStartSec},
    {"time.start.msec", Derived::kTimeStartMsec},
    {"time.start.usec", Derived::kTimeStartUsec},
    {"time.start.msec_frac", Derived::kTimeStartMsecFrac},
    {"time.start.usec_frac", Derived::kTimeStartUsecFrac},
    {"time.end", Derived::kTimeEnd},
    {"time.end.sec", Derived::kTimeEndSec},
    {"time.end.msec", Derived::kTimeEndMsec},
    {"time.end.usec", Derived::kTimeEndUsec},
    {"time.end.msec_frac", Derived::kTimeEndMsecFrac},
    {"time.end.usec_frac", Derived::kTimeEndUsecFrac},
    {"time.elapsed", Derived::kTimeElapsed},
    {"time.elapsed.sec", Derived::kTimeElapsedSec},
    {"time.elapsed.msec", Derived::kTimeElapsedMsec},
    {"time.elapsed.usec", Derived::kTimeElapsedUsec},
    {"time.elapsed.msec_frac", Derived::kTimeElapsedMsecFrac},
    {"time.elapsed.usec_frac", Derived::kTimeElapsedUsecFrac},
    {"req.url.path", Derived::kUrlPath},
    {"req.url.qs", Derived::kUrlQs},
    {"req.url.ext", Derived::kUrlExt},
    {"req.url.basename", Derived::kUrlBasename},
    {"req.url.dirname", Derived::kUrlDirname},
    {"req.request", Derived::kReqRequest},
    {"req.method", Derived::kReqMethod},
    {"now", Derived::kNow},
}};

}  // namespace

namespace {

uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The n < 8 bytes at p as one word, from at most two fixed-size loads that may overlap: a
// variable-length memcpy here compiled to a libc call on every key.
uint64_t load_short(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return (uint64_t(hi) << 32) | lo;
  }
  if (n == 0) return 0;
  // 1 to 3 bytes: first, middle and last (repeats for short names are harmless for a hash).
  auto byte = [p](size_t i) { return uint64_t(static_cast<unsigned char>(p[i])); };
  return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
}

}  // namespace

uint64_t fold_hash(std::string_view name) {
  // Eight bytes at a time: every record key is hashed at decode.
  // OR-ing each byte with 0x20 maps ASCII upper case onto lower case. It also merges a few
  // non-letters ('@' with '`', say), which only adds collisions, and lookups compare the names
  // after the hash anyway.
  constexpr uint64_t kFold = 0x2020202020202020ull;
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* p = name.data();
  size_t n = name.size();
  uint64_t h = uint64_t(n) * kMul;
  if (n < 8) {
    h = (h ^ (load_short(p, n) | kFold)) * kMul;
  } else {
    const char* last = p + n - 8;
    for (; p < last; p += 8) {
      h = (h ^ (load8(p) | kFold)) * kMul;
      h ^= h >> 29;
    }
    // The last eight bytes, overlapping the previous word when n is not a multiple of 8.
    h = (h ^ (load8(last) | kFold)) * kMul;
  }
  // The table indexes by the low bits: fold the well-mixed high bits down into them.
  h ^= h >> 32;
  h *= kMul;
  return h ^ (h >> 29);
}

bool equal_folded_slow(std::string_view a, std::string_view b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (fold(static_cast<unsigned char>(a[i])) != fold(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

namespace {

// The slot of a name: names are interned case-folded, so the process holds one slot per
// distinct name its formats and conditions use. Called only when a format or condition
// compiles. Past a million names (a configuration generator gone wild), new names get no slot
// and are simply looked up by hash every time.
uint32_t slot_of(std::string_view name) {
  static std::mutex mutex;
  static std::unordered_map<std::string, uint32_t> slots;
  constexpr size_t kMaxSlots = 1 << 20;
  std::string folded(name);
  for (char& c : folded) c = char(fold(static_cast<unsigned char>(c)));
  std::lock_guard lock(mutex);
  auto it = slots.find(folded);
  if (it != slots.end()) return it->second;
  if (slots.size() >= kMaxSlots) return VariableRef::kNoSlot;
  uint32_t slot = uint32_t(slots.size());
  slots.emplace(std::move(folded), slot);
  return slot;
}

}  // namespace

VariableRef VariableRef::make(std::string_view name) {
  VariableRef ref;
  ref.name = std::string(name);
  ref.hash = fold_hash(name);
  ref.slot = slot_of(name);
  for (const auto& [key, derived] : kDerived) {
    if (equal_folded(key, name)) ref.derived = derived;
  }
  return ref;
}

}  // namespace sluice

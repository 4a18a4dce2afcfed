#include "core/variable.h"

#include <array>
#include <cstring>
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

uint64_t fold_hash(std::string_view name) {
  // Eight bytes at a time: every record key is hashed at decode and this was a third of it.
  // OR-ing each byte with 0x20 maps ASCII upper case onto lower case. It also merges a few
  // non-letters ('@' with '`', say), which only adds collisions, and lookups compare the names
  // after the hash anyway.
  constexpr uint64_t kFold = 0x2020202020202020ull;
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* p = name.data();
  size_t n = name.size();
  uint64_t h = uint64_t(n) * kMul;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ (w | kFold)) * kMul;
    h ^= h >> 29;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ (w | kFold)) * kMul;
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

VariableRef VariableRef::make(std::string_view name) {
  VariableRef ref;
  ref.name = std::string(name);
  ref.hash = fold_hash(name);
  for (const auto& [key, derived] : kDerived) {
    if (equal_folded(key, name)) ref.derived = derived;
  }
  return ref;
}

}  // namespace sluice

#include "core/variable.h"

#include <array>
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
  // FNV-1a: short keys, no need for anything stronger; the table probes and compares anyway.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) {
    h ^= fold(c);
    h *= 1099511628211ull;
  }
  return h;
}

bool equal_folded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
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

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

// The case-folded comparison for two names of the same length; see equal_folded.
[[nodiscard]] bool equal_folded_slow(std::string_view a, std::string_view b);

// Names almost always arrive in the case the format spells them, so an exact compare settles
// nearly every lookup; the byte-by-byte folded compare runs only when that fails.
[[nodiscard]] inline bool equal_folded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // An empty view may have a null data(), which memcmp must not see.
  return a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0 || equal_folded_slow(a, b);
}

// A variable name resolved at compile time: its folded hash and, for derivable names, how to
// compute it. Resolving once keeps the per-record lookup to a hash probe.
struct VariableRef {
  std::string name;
  uint64_t hash = 0;
  Derived derived = Derived::kNone;

  [[nodiscard]] static VariableRef make(std::string_view name);
};

}  // namespace sluice

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice {

// The records of the disk queue in `dir` that were acknowledged but are still kept
// (keep_acked), appended at or after `from_ms`, oldest first; for `sluice queue replay`. Reads
// the files only: it does not need the queue's lock and works whether or not sluice is running.
// Returns how many were visited; the error names a damaged file.
using ReplayVisitor = std::function<void(std::string_view line, uint64_t time_ms)>;
[[nodiscard]] Result<uint64_t> visit_acked_records(const std::string& dir, uint64_t from_ms,
                                                   const ReplayVisitor& visit);

}  // namespace sluice

#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "queue/disk/record_format.h"

namespace sluice {

// What a scan of one segment found.
struct SegmentScan {
  uint64_t lines = 0;            // valid records
  uint64_t payload_bytes = 0;    // their payload bytes
  uint64_t oldest_ms = 0;        // append time of the first valid record (0: none)
  uint64_t damaged_regions = 0;  // runs of bad bytes skipped (each at least one record)
  uint64_t damaged_bytes = 0;
  uint64_t file_size = 0;
  // Where valid data ends. For the tail segment, damage that runs to the end of the file is a
  // torn write (the process died mid-append): valid_end is where it starts, and `torn` is set.
  uint64_t valid_end = 0;
  bool torn = false;
};

// Called for each valid record with its offset; return false to stop the scan early.
using RecordVisitor = std::function<bool(uint64_t offset, const RecordView& record)>;

// Reads the segment at `path` from `from` to its end, in a bounded window, validating every
// record. `tail`: this is the segment being appended to, so damage at its end is a torn write
// rather than corruption. Read-only: truncating a torn tail is the caller's decision.
[[nodiscard]] Result<SegmentScan> scan_segment(const std::string& path, uint64_t from, bool tail,
                                               const RecordVisitor& visit = nullptr);

}  // namespace sluice

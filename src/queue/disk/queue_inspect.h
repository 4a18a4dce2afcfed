#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice {

// What `sluice queue inspect` prints for one endpoint queue directory. Read-only: it takes no
// lock and changes nothing, so it works while sluice runs (figures are then a moment's view).
struct QueueReport {
  std::string dir;
  std::string service, endpoint;  // unescaped from the directory names
  uint64_t records = 0;           // unacknowledged
  uint64_t bytes = 0;             // their payload bytes
  uint64_t oldest_ms = 0;         // append time of the oldest unacknowledged record (0: none)
  uint64_t segments = 0;
  uint64_t acked_kept_records = 0;  // acknowledged, kept for replay (keep_acked)
  uint64_t acked_kept_segments = 0;
  uint64_t dead_letter_records = 0;
  uint64_t damaged_regions = 0;  // corrupt runs the next start will skip
  uint64_t damaged_bytes = 0;
  bool torn_tail = false;  // the last record is torn; the next start cuts it off
};

// One endpoint queue directory (the one that holds the segments and the ledger).
[[nodiscard]] Result<QueueReport> inspect_endpoint_queue(const std::string& dir);
// Every endpoint queue under a storage dir (<dir>/<service>/<endpoint>/), or `dir` itself if it
// is an endpoint queue directory.
[[nodiscard]] Result<std::vector<QueueReport>> inspect_storage_dir(const std::string& dir);

}  // namespace sluice

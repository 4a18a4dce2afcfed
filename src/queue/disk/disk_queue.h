#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "queue/disk/segment_writer.h"
#include "queue/endpoint_queue.h"
#include "queue/queue_policy.h"

namespace sluice {

struct DiskQueueOptions {
  std::string dir;  // this endpoint's directory (see queue_dir.h); created if missing
  uint64_t max_bytes = 1ull << 30;  // framed, unacknowledged bytes on disk
  WhenFull when_full = WhenFull::kBlock;
  FsyncMode fsync = FsyncMode::kInterval;
  std::chrono::milliseconds fsync_interval{100};
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  uint64_t keep_acked = 0;  // bytes of fully acknowledged segments kept for replay
  WriteFunction write;      // tests inject failures here; empty: write(2)
};

// Opens (recovering) or creates the disk-backed queue in `options.dir`. Recovery: takes the
// directory's lock (one process per queue), reads the ledger, scans every unacknowledged segment
// (cutting off a torn last record, counting damaged runs, which the reader later skips), and
// resumes after the acknowledged position. What it found is in storage_stats(). The error names
// the file and the reason.
[[nodiscard]] Result<std::unique_ptr<EndpointQueue>> open_disk_queue(DiskQueueOptions options);

}  // namespace sluice

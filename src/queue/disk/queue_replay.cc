#include "queue/disk/queue_replay.h"

#include "queue/disk/ledger.h"
#include "queue/disk/queue_dir.h"
#include "queue/disk/recovery.h"

namespace sluice {

Result<uint64_t> visit_acked_records(const std::string& dir, uint64_t from_ms,
                                     const ReplayVisitor& visit) {
  uint64_t frontier = Ledger::read(dir + "/ledger");
  uint64_t visited = 0;
  for (uint64_t id : list_segments(dir)) {
    if (id > position_segment(frontier)) break;
    uint64_t end = id == position_segment(frontier) ? position_offset(frontier) : UINT64_MAX;
    auto scan =
        scan_segment(segment_path(dir, id), 0, false, [&](uint64_t offset, const RecordView& r) {
          if (offset >= end) return false;
          if (r.time_ms >= from_ms) {
            visit(r.payload, r.time_ms);
            ++visited;
          }
          return true;
        });
    if (!scan) return scan.error();
  }
  return visited;
}

}  // namespace sluice

#include "queue/disk/recovery.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "queue/disk/segment_reader.h"

namespace sluice {

Result<SegmentScan> scan_segment(const std::string& path, uint64_t from, bool tail,
                                 const RecordVisitor& visit) {
  SegmentScan scan;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  scan.file_size = uint64_t(st.st_size);
  SegmentReader reader;
  if (Status s = reader.open(path); !s) return s.error();
  uint64_t offset = std::min(from, scan.file_size);
  scan.valid_end = offset;
  while (offset < scan.file_size) {
    SegmentReader::Item item = reader.next(offset, scan.file_size);
    if (item.kind == SegmentReader::Item::kRecord) {
      ++scan.lines;
      scan.payload_bytes += item.record.payload.size();
      if (scan.oldest_ms == 0) scan.oldest_ms = item.record.time_ms;
      if (visit && !visit(offset, item.record)) break;
      scan.valid_end = item.next;
    } else if (item.kind == SegmentReader::Item::kDamaged) {
      if (tail && item.next >= scan.file_size) {
        scan.torn = true;  // valid_end stays where the damage begins
        break;
      }
      ++scan.damaged_regions;
      scan.damaged_bytes += item.next - offset;
      scan.valid_end = item.next;
    } else {
      break;
    }
    offset = item.next;
  }
  return scan;
}

}  // namespace sluice

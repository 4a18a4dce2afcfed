#include "queue/disk/dead_letter_segments.h"

#include <unistd.h>

#include <cerrno>

#include "queue/disk/queue_dir.h"
#include "queue/disk/record_format.h"
#include "queue/disk/recovery.h"

namespace sluice {

DeadLetterSegments::DeadLetterSegments(std::string queue_dir, uint64_t segment_bytes,
                                       WriteFunction write, bool sync)
    : dir_(std::move(queue_dir) + "/dead"),
      segment_bytes_(segment_bytes),
      write_(std::move(write)),
      sync_(sync) {}

// Continues the newest segment where its last whole record ends, or starts the next one.
Status DeadLetterSegments::open_writer() {
  if (Status s = make_dirs(dir_); !s) return s;
  std::vector<uint64_t> ids = list_segments(dir_);
  uint64_t id = ids.empty() ? 1 : ids.back();
  uint64_t size = 0;
  if (!ids.empty()) {
    auto scan = scan_segment(segment_path(dir_, id), 0, true);
    size = scan ? scan->valid_end : 0;
    if (size >= segment_bytes_) {
      ++id;
      size = 0;
    }
  }
  writer_ = std::make_unique<SegmentWriter>();
  if (Status s = writer_->open(segment_path(dir_, id), size, write_); !s) {
    writer_.reset();
    return s;
  }
  return {};
}

Status DeadLetterSegments::append(const LineBatch& lines, size_t first, size_t count,
                                  uint64_t time_ms) {
  if (!writer_ || writer_->size() >= segment_bytes_) {
    if (Status s = open_writer(); !s) return s;
  }
  std::string buf;
  for (size_t i = first; i < first + count; ++i) append_record(buf, lines.line(i), time_ms);
  SegmentWriter::AppendError error;
  if (!writer_->append(buf, error)) {
    return Error(error.error_number == ENOSPC ? ErrorCode::kResourceExhausted : ErrorCode::kUnknown,
                 error.message);
  }
  if (sync_) ::fdatasync(writer_->fd());
  return {};
}

}  // namespace sluice

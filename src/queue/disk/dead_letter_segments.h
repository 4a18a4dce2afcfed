#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "queue/disk/segment_writer.h"
#include "queue/line_batch.h"

namespace sluice {

// A disk queue's dead letters: the lines a destination refused for good, appended as records to
// segments under `<queue dir>/dead/` (the queue's own record format), where `sluice queue
// inspect` counts them and they can be read back. Written rarely, so the writer is opened on
// first use and a segment is found again after a restart by scanning the newest one. Not
// thread-safe: the queue calls it under its lock.
class DeadLetterSegments {
 public:
  DeadLetterSegments(std::string queue_dir, uint64_t segment_bytes, WriteFunction write, bool sync);

  // Appends lines [first, first + count) of `lines`, stamped `time_ms`, fdatasync()ed when
  // `sync`. The error names the file and the reason; its code is kResourceExhausted when the
  // disk is full.
  [[nodiscard]] Status append(const LineBatch& lines, size_t first, size_t count, uint64_t time_ms);

 private:
  [[nodiscard]] Status open_writer();

  std::string dir_;
  uint64_t segment_bytes_;
  WriteFunction write_;
  bool sync_;
  std::unique_ptr<SegmentWriter> writer_;
};

}  // namespace sluice

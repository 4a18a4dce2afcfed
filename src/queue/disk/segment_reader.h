#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "queue/disk/record_format.h"

namespace sluice {

// Reads records from one segment file through a fixed window (a little over the largest
// record), so memory stays bounded however large the segment or the backlog: the queue keeps
// only this window in RAM and reads the rest from disk as the sink takes it.
//
// Damage handling: a record whose length is implausible, that runs past `limit`, or whose
// checksum does not match is damage. The reader then resynchronises: it looks at each following
// byte offset for a record that parses with a valid checksum, and reports the damaged range so
// that the caller can skip it and count it. Owns its file descriptor; not thread-safe.
class SegmentReader {
 public:
  SegmentReader() = default;
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens `path` read-only; the error names the file and the reason.
  [[nodiscard]] Status open(const std::string& path);
  void close();
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& path() const { return path_; }

  struct Item {
    enum Kind : uint8_t { kRecord, kDamaged, kEnd } kind = kEnd;
    RecordView record;  // kRecord: valid until the next call
    uint64_t next = 0;  // offset after the record, or after the damaged range
  };
  // The item at `offset`, reading no further than `limit` (the file's size, or what the writer
  // has written so far). kEnd at `limit`. A read error is reported as damage up to `limit`.
  [[nodiscard]] Item next(uint64_t offset, uint64_t limit);

 private:
  // Makes [offset, offset + n) available in the window; false if it lies beyond `limit` or the
  // file ends first.
  bool ensure(uint64_t offset, size_t n, uint64_t limit);
  [[nodiscard]] RecordParse parse_at(uint64_t offset, uint64_t limit, RecordView& out);

  int fd_ = -1;
  std::string path_;
  std::string window_;
  uint64_t window_offset_ = 0;
  size_t window_size_ = 0;
};

}  // namespace sluice

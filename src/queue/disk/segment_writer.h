#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice {

// write(2) as the writer calls it. Tests replace it to inject ENOSPC or short writes.
using WriteFunction = std::function<ssize_t(int fd, const void* data, size_t size)>;

// Appends framed records to one segment file. An append is all or nothing: when a write fails
// (ENOSPC, EIO) or comes up short, the file is truncated back to where the append started, so a
// failed append never leaves a torn record for recovery to find, and what was already on disk
// stays intact. Owns its descriptor unless release_fd() hands it over; not thread-safe.
class SegmentWriter {
 public:
  SegmentWriter() = default;
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Opens (creating if needed) `path` for appending at `size` (the recovered valid length:
  // anything after it is cut off).
  [[nodiscard]] Status open(const std::string& path, uint64_t size, WriteFunction write);
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

  struct AppendError {
    int error_number = 0;  // errno: ENOSPC for a full disk
    std::string message;   // names the file
  };
  // Appends `data`; on failure returns false with `error` set and the file unchanged.
  [[nodiscard]] bool append(std::string_view data, AppendError& error);

  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Gives up the descriptor (still open) to the caller, who must close it: the queue hands a
  // rolled-over segment to its flusher, which fsyncs and closes it.
  int release_fd();

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
  WriteFunction write_;
};

}  // namespace sluice

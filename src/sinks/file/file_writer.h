#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice {

// Appends bytes to a file, plain or as a gzip stream, or to stdout/stderr. Each write() is
// complete in the kernel (and, with gzip, sync-flushed so the file is readable up to it) when
// it returns: that is the point at which the sink acknowledges lines.
class FileWriter {
 public:
  FileWriter() = default;
  ~FileWriter() { close(); }
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Opens `path` for appending, creating parent directories. gzip_level 0 writes plain text.
  [[nodiscard]] Status open(const std::string& path, int gzip_level);
  // Uses an inherited descriptor (1 or 2); never closed.
  void use_fd(int fd);
  [[nodiscard]] Status write(std::string_view bytes);
  void close();

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  [[nodiscard]] Status write_raw(const char* data, size_t size);
  [[nodiscard]] Status deflate_and_write(std::string_view bytes, int flush);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  bool gzip_ = false;
  z_stream zs_{};
  std::string compressed_;
};

}  // namespace sluice

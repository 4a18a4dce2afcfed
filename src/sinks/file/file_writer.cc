#include "sinks/file/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace sluice {

Status FileWriter::open(const std::string& path, int gzip_level) {
  close();
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  fd_ = fd;
  owns_fd_ = true;
  path_ = path;
  gzip_ = gzip_level > 0;
  if (gzip_) {
    zs_ = z_stream{};
    // windowBits 15 + 16: a gzip header and trailer, so `zcat` reads the file.
    if (deflateInit2(&zs_, gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      close();
      return Error(fmt::format("cannot start gzip for {}", path));
    }
  }
  return {};
}

void FileWriter::use_fd(int fd) {
  close();
  fd_ = fd;
  owns_fd_ = false;
  path_ = fd == 1 ? "stdout" : "stderr";
  gzip_ = false;
}

Status FileWriter::write_raw(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    data += n;
    size -= size_t(n);
  }
  return {};
}

Status FileWriter::deflate_and_write(std::string_view bytes, int flush) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs_.avail_in = uInt(bytes.size());
  do {
    compressed_.resize(64 * 1024);
    zs_.next_out = reinterpret_cast<Bytef*>(compressed_.data());
    zs_.avail_out = uInt(compressed_.size());
    int rc = deflate(&zs_, flush);
    if (rc == Z_STREAM_ERROR) return Error(fmt::format("gzip failed for {}", path_));
    size_t produced = compressed_.size() - zs_.avail_out;
    if (Status st = write_raw(compressed_.data(), produced); !st) return st;
  } while (zs_.avail_out == 0);
  return {};
}

Status FileWriter::write(std::string_view bytes) {
  if (fd_ < 0) return Error("no file is open");
  if (!gzip_) return write_raw(bytes.data(), bytes.size());
  // A sync flush per write keeps the gzip file readable up to the last acknowledged line.
  return deflate_and_write(bytes, Z_SYNC_FLUSH);
}

void FileWriter::close() {
  if (fd_ < 0) return;
  if (gzip_) {
    (void)deflate_and_write({}, Z_FINISH);
    deflateEnd(&zs_);
    gzip_ = false;
  }
  if (owns_fd_) ::close(fd_);
  fd_ = -1;
}

}  // namespace sluice

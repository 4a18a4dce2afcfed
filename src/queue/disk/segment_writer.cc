#include "queue/disk/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sluice {

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentWriter::open(const std::string& path, uint64_t size, WriteFunction write) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) return Error(fmt::format("{}: cannot open for writing: {}", path, strerror(errno)));
  if (::ftruncate(fd_, off_t(size)) != 0 || ::lseek(fd_, off_t(size), SEEK_SET) < 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    return Error(fmt::format("{}: cannot set the length to {}: {}", path, size, strerror(e)));
  }
  path_ = path;
  size_ = size;
  write_ = write ? std::move(write)
                 : WriteFunction([](int fd, const void* p, size_t n) { return ::write(fd, p, n); });
  return {};
}

bool SegmentWriter::append(std::string_view data, AppendError& error) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t r = write_(fd_, data.data() + done, data.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      // A short write followed by 0 or an error: the disk is full (or failing). Take back what
      // this append wrote so the file ends on a record boundary.
      error.error_number = r < 0 ? errno : ENOSPC;
      error.message = fmt::format("{}: write failed at offset {}: {}", path_, size_ + done,
                                  strerror(error.error_number));
      if (::ftruncate(fd_, off_t(size_)) != 0 || ::lseek(fd_, off_t(size_), SEEK_SET) < 0) {
        error.message += fmt::format(" (and truncating back failed: {})", strerror(errno));
      }
      return false;
    }
    done += size_t(r);
  }
  size_ += data.size();
  return true;
}

int SegmentWriter::release_fd() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

}  // namespace sluice

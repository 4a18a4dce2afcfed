#pragma once

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>

namespace sluice {

// Reads a file descriptor in large chunks and calls on_line(line, line_number) for each
// '\n'-terminated line (a trailing '\r' removed), then for a last unterminated line.
// Returns false on a read error (errno is kept).
template <typename OnLine>
bool for_each_line(int fd, OnLine&& on_line) {
  constexpr size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  std::string pending;  // unprocessed bytes: at most one partial line plus a chunk
  uint64_t number = 0;
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line, ++number);
  };
  while (true) {
    ssize_t n = ::read(fd, buffer.get(), kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    pending.append(buffer.get(), size_t(n));
    size_t begin = 0;
    for (size_t nl; (nl = pending.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      emit(std::string_view(pending).substr(begin, nl - begin));
    }
    pending.erase(0, begin);
  }
  if (!pending.empty()) emit(pending);
  return true;
}

// Writes everything, retrying on EINTR; gives up quietly when the reader has gone (EPIPE).
inline void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= size_t(n);
  }
}

}  // namespace sluice

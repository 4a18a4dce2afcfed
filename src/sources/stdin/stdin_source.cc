#include "sources/stdin/stdin_source.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/log.h"

#include "core/rate_limited_log.h"
#include "route/ingest_session.h"
#include "sources/stream_framer.h"

namespace sluice {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr int kFlushRetryMs = 10;
// After stop(), how long lines already read may wait for a full queue.
constexpr auto kStopFlushWait = std::chrono::seconds(3);

}  // namespace

StdinSource::StdinSource(const SourceContext& ctx, int fd)
    : ctx_(ctx), fd_(fd), log_(std::make_unique<RateLimitedLog>("sluice: source stdin")) {}

StdinSource::~StdinSource() {
  stop();
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

Status StdinSource::start() {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Error(fmt::format("source stdin: cannot create a pipe: {}", std::strerror(errno)));
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void StdinSource::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
}

std::string StdinSource::describe() const {
  return ctx_.config.service.empty() ? "stdin"
                                     : fmt::format("stdin (service \"{}\")", ctx_.config.service);
}

bool StdinSource::wait_for_stop(int ms) {
  pollfd p{wake_[0], POLLIN, 0};
  ::poll(&p, 1, ms);
  return stopping_.load();
}

bool StdinSource::flush_waiting(IngestSession& session) {
  auto deadline = std::chrono::steady_clock::now() + kStopFlushWait;
  while (!session.flush()) {
    // A block-policy queue is full: not reading is the backpressure on whoever writes to us.
    if (stopping_.load()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      ::poll(nullptr, 0, kFlushRetryMs);
    } else {
      wait_for_stop(kFlushRetryMs);
      deadline = std::chrono::steady_clock::now() + kStopFlushWait;
    }
  }
  return true;
}

void StdinSource::run() {
  IngestSession session(ctx_.routes, ctx_.config.service, ctx_.config.payload);
  StreamFramer framer(StreamFramer::Mode::kLineFeed);
  uint64_t line_number = 0;
  auto on_frame = [&](std::string_view frame, StreamFramer::FrameKind kind) {
    ++line_number;
    ctx_.counters.messages.fetch_add(1, std::memory_order_relaxed);
    Status st = kind == StreamFramer::FrameKind::kError
                    ? Status(Error(std::string(frame)))
                    : session.submit(frame, kind == StreamFramer::FrameKind::kCut);
    if (!st) {
      ctx_.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      log_->log("line {}: rejected: {}", line_number, st.error().message());
    }
  };

  bool at_end = false;
  while (!stopping_.load()) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      log_->log("poll: {}", std::strerror(errno));
      break;
    }
    if (stopping_.load()) break;
    if (fds[0].revents == 0) continue;
    // prepare() before writable(): argument evaluation order is unspecified.
    char* into = framer.prepare(kReadChunk);
    ssize_t n = ::read(fd_, into, framer.writable());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      log_->log("read: {}", std::strerror(errno));
      at_end = true;
      break;
    }
    if (n == 0) {
      at_end = true;
      break;
    }
    framer.commit(size_t(n));
    ctx_.counters.bytes.fetch_add(size_t(n), std::memory_order_relaxed);
    framer.drain(on_frame);
    flush_waiting(session);
  }
  // Whatever ends the loop, a last unterminated line is still a line.
  framer.finish(on_frame);
  if (!flush_waiting(session)) {
    log_warn("source stdin: stopped with lines still waiting for a full queue");
  }
  if (at_end) finished_.store(true);
}

}  // namespace sluice

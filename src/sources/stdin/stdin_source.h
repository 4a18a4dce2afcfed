#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "sources/source.h"

namespace sluice {

class RateLimitedLog;

// Reads NDJSON request records or log statements, one a line, from a file descriptor
// (standard input by default) for config.service, as config.payload decides.
//
// A thread of its own does the reading: stdin may be a regular file, which epoll cannot watch,
// and blocking on a full queue (when_full = block) is then simply waiting. It reports
// finished() at end of file once everything read has been queued, so that `sluice run` can
// work as a pipeline stage.
class StdinSource final : public Source {
 public:
  // `ctx.config`, `ctx.routes` and `ctx.counters` must outlive the source. `fd` stays open.
  explicit StdinSource(const SourceContext& ctx, int fd = 0);
  ~StdinSource() override;

  [[nodiscard]] Status start() override;
  void stop() override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] bool finished() const override { return finished_.load(); }

 private:
  void run();
  // Flushes, waiting while a queue is full; false when stop() cut the wait short.
  bool flush_waiting(class IngestSession& session);
  // Sleeps up to `ms`, waking early when stop() is called; true when stopping.
  bool wait_for_stop(int ms);

  SourceContext ctx_;
  int fd_;
  int wake_[2] = {-1, -1};  // stop() writes a byte to wake the reader
  std::thread thread_;
  std::unique_ptr<RateLimitedLog> log_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace sluice

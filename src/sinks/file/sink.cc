#include "sinks/file/sink.h"

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/time_util.h"
#include "sinks/file/config.h"
#include "sinks/file/file_writer.h"
#include "sinks/framing.h"

namespace sluice {
namespace {

constexpr size_t kMaxBatchLines = 10000;
constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;
constexpr int kBatchesPerTurn = 4;

// Takes lines from the queue as soon as they arrive, writes them, and acknowledges them once
// the write returned. The file name is the strftime(3) pattern of `path` in UTC, evaluated per
// batch: when it changes the old file is closed (finishing its gzip stream) and the new one
// opened, which is how files rotate. A failed open or write keeps the lines queued and retries
// after a backoff.
class FileSinkCore : public std::enable_shared_from_this<FileSinkCore> {
 public:
  FileSinkCore(SinkContext& ctx, const FileSinkSettings& settings, int /*options*/)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        settings_(settings),
        io_(ctx.io),
        hostname_(ctx.hostname),
        retry_timer_(ctx.io),
        period_timer_(ctx.io) {}

  void start() {
    endpoint_.status.set_state(EndpointState::kOk);
    pump_when_lines_arrive(*endpoint_.queue, weak_from_this(), io_.get_executor(),
                           &FileSinkCore::wake_posted_, &FileSinkCore::drain);
    flush();
    arm_period_timer();
  }

  void flush() {
    boost::asio::post(io_, [self = shared_from_this()] { self->drain(); });
  }

  // On the loop's thread: no handler of this sink runs beside it, and those queued after it
  // find stopped_ set.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    retry_timer_.cancel();
    period_timer_.cancel();
    writer_.close();
    endpoint_.status.set_state(EndpointState::kStopped);
  }

  std::atomic<bool> wake_posted_{false};

 private:
  // Lines are written as soon as they are taken, so the period timer is only a safety net:
  // it makes sure nothing waits longer than `period` if a wake-up were ever missed.
  void arm_period_timer() {
    period_timer_.expires_after(
        std::chrono::milliseconds(int64_t(settings_.period_seconds * 1000)));
    period_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      self->drain();
      self->arm_period_timer();
    });
  }

  Status ensure_open(std::chrono::system_clock::time_point now) {
    if (settings_.target == FileSinkSettings::Target::kStdout) {
      if (!writer_.is_open()) writer_.use_fd(1);
      return {};
    }
    if (settings_.target == FileSinkSettings::Target::kStderr) {
      if (!writer_.is_open()) writer_.use_fd(2);
      return {};
    }
    LineBuffer name;
    int64_t usec =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    append_strftime(name, settings_.path, usec);
    std::string path(name.data(), name.size());
    if (writer_.is_open() && writer_.path() == path) return {};
    return writer_.open(path, settings_.gzip_level);
  }

  // Writes up to kBatchesPerTurn batches, then yields the loop to the other sinks on it and
  // continues in a new handler: a busy file endpoint must not starve them.
  void drain() {
    if (stopped_ || waiting_retry_) return;
    EndpointChannel& e = endpoint_;
    for (int turn = 0; turn < kBatchesPerTurn; ++turn) {
      if (!e.queue->take(kMaxBatchLines, kMaxBatchBytes, lease_)) return;
      auto started = std::chrono::steady_clock::now();
      auto now = std::chrono::system_clock::now();
      out_.clear();
      for (size_t i = 0; i < lease_.lines.size(); ++i) {
        append_framed(out_, config_->message_type, hostname_, e.name(), {}, lease_.lines.line(i),
                      now);
        out_.push_back('\n');
      }
      Status st = ensure_open(now);
      if (st) st = writer_.write(std::string_view(out_.data(), out_.size()));
      if (!st) {
        e.queue->nack(lease_);
        e.counters.errors[size_t(ErrorClass::kRetryable)].fetch_add(1, std::memory_order_relaxed);
        e.status.record_error(ErrorClass::kRetryable, st.error().message());
        e.status.set_state(EndpointState::kRetrying);
        writer_.close();
        schedule_retry();
        return;
      }
      size_t lines = lease_.lines.size();
      e.counters.delivered.fetch_add(lines, std::memory_order_relaxed);
      e.counters.delivered_bytes.fetch_add(out_.size(), std::memory_order_relaxed);
      e.queue->ack(lease_);
      e.counters.observe_batch_latency(std::chrono::steady_clock::now() - started);
      e.status.record_success();
      backoff_ = std::chrono::milliseconds(0);
    }
    flush();
  }

  void schedule_retry() {
    backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(100)
                                     : std::min(backoff_ * 2, std::chrono::milliseconds(10000));
    waiting_retry_ = true;
    retry_timer_.expires_after(backoff_);
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->waiting_retry_ = false;
      if (!ec) self->drain();
    });
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;  // keeps settings_ alive
  const FileSinkSettings& settings_;
  boost::asio::io_context& io_;
  std::string hostname_;
  FileWriter writer_;
  Lease lease_;
  LineBuffer out_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer period_timer_;
  std::chrono::milliseconds backoff_{0};
  bool waiting_retry_ = false;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<Sink> make_file_sink(SinkContext& ctx) {
  return make_shared_core_sink<FileSinkCore, FileSinkSettings>(ctx, 0);
}

}  // namespace sluice

// The syslog sink: takes lines from the endpoint queue, frames them, writes them to one
// connection, and acknowledges them to the queue.
//
// Why lines are not acknowledged when the write completes (at-least-once over plain TCP)
// ------------------------------------------------------------------------------------------
// Syslog over TCP has no application-level acknowledgement. A completed write() only means the
// bytes are in our kernel's send buffer. From there they still have to reach the receiver's
// kernel (the peer's TCP ACK says they did), be read by the receiver process, and be written
// to the receiver's destination. If the receiver is killed (SIGKILL, crash, restart) the bytes in
// our send buffer, in its receive buffer and in its in-memory queue are all lost with the
// connection, and we only learn that when the peer's kernel answers with RST or FIN.
//
// So every line written to the current connection stays leased from the queue, in a resend
// window, until all of these hold:
//   1. the receiver's TCP has acknowledged its bytes: the bytes we have handed to the kernel
//      minus SIOCOUTQ (bytes not yet acked by the peer) has passed the end of the line's write;
//   2. the receiver's application is keeping up: the window its kernel advertises (TCP_INFO
//      tcpi_snd_wnd) is at least half of the largest it advertised on this connection. A peer
//      kernel acks what it merely buffered; a receiver that stopped reading has a shrinking
//      window, and what sits unread in its socket buffer dies with it;
//   3. the connection has then stayed healthy for `ack_hold` (1 s): a receiver that keeps up
//      drains its socket buffer and in-memory queue to its output within milliseconds, so a
//      line that survived that long on a live connection has been processed.
// A pending read on the socket (receivers never send) tells us within a round trip that the
// peer closed or reset, even when we have nothing to write. When the connection breaks, every
// leased line is nacked, in order, and sent again after reconnecting: the receiver may see some
// lines twice (counted in `retried`), but none is lost.
//
// What this cannot see is a receiver that read lines into its own memory and then holds them
// for longer than the hold while still reading (a large in-memory queue in front of a slow
// output) before crashing. Only an application-level acknowledgement (RELP) can cover that.
//
// The window is bounded (window_max_bytes): when it is full the sink stops taking lines, and the
// endpoint queue fills and pushes back as configured.
//
// UDP has no acknowledgement at all: a datagram is delivered once the kernel accepted it.
//
// Threading: everything runs on a strand of ctx.io. The queue's data callback only posts to it.
// All handlers hold a shared_ptr to the core and a connection generation number, so a handler
// of a connection that has since been replaced, or of a stopped sink, does nothing.
#include "sinks/syslog/sink.h"
#include "queue/lease_pool.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sinks/syslog/config.h"
#include "sinks/syslog/request_builder.h"
#include "sinks/syslog/retry_logic.h"
#include "sinks/syslog/service.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class SyslogSinkCore : public std::enable_shared_from_this<SyslogSinkCore> {
 public:
  SyslogSinkCore(SinkContext& ctx, const SyslogSinkSettings& settings,
                 const SyslogSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        settings_(settings),
        options_(options),
        strand_(asio::make_strand(ctx.io)),
        builder_(SyslogFraming{ctx.config->message_type, ctx.hostname, ctx.config->name,
                               settings.token, settings.octet_counting}),
        backoff_(options.initial_backoff,
                 std::chrono::milliseconds(int64_t(settings.max_backoff_seconds * 1000)),
                 options.jitter_seed ? options.jitter_seed : std::random_device{}()),
        retry_timer_(strand_),
        tick_timer_(strand_),
        wbuf_(std::make_shared<LineBuffer>()) {
    window_max_bytes_ = options_.window_max_bytes;
    if (window_max_bytes_ == 0) {
      window_max_bytes_ = std::max<size_t>(1 << 20, ctx.config->queue_max_bytes);
    }
  }

  void start() {
    pump_when_lines_arrive(*endpoint_.queue, weak_from_this(), strand_,
                           &SyslogSinkCore::wake_posted_, &SyslogSinkCore::pump);
    asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      self->connect();
      self->schedule_tick();
    });
  }

  void flush() {
    asio::post(strand_, [self = shared_from_this()] { self->pump(); });
  }

  // Runs on the io thread with the loop stopping or stopped, so it does its work directly.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    retry_timer_.cancel();
    tick_timer_.cancel();
    drop_connection();
    // Unacknowledged lines go back to the queue: they are sent after a restart (from disk with a
    // disk queue). Not counted as retried: whether they are sent again is up to the next run.
    release_window(/*count_retried=*/false);
    state_.set(EndpointState::kStopped);
  }

 private:
  struct InFlight {
    Lease lease;
    Clock::time_point taken_at;
    bool written = false;     // the write finished; end_offset is valid
    uint64_t end_offset = 0;  // connection bytes_to_kernel() after this lease's write
    std::optional<Clock::time_point> peer_acked_at;  // when the receiver's TCP had it all
    size_t udp_sent = 0;                             // UDP: lines of the lease sent so far
  };

  // ---- connection life cycle ----------------------------------------------------------------

  void connect() {
    if (stopped_) return;
    state_.set(EndpointState::kConnecting);
    std::shared_ptr<asio::ssl::context> tls;
    if (settings_.use_tls) {
      auto ctx = make_syslog_tls_context(settings_);
      if (!ctx) {
        fail_with(ErrorClass::kConfiguration, ctx.error().message());
        return;
      }
      tls = std::move(ctx.value());
    }
    conn_ = SyslogConnection::create(strand_, settings_, std::move(tls));
    uint64_t gen = ++generation_;
    conn_->connect(options_.connect_timeout,
                   [self = shared_from_this(), gen](std::optional<SyslogFailure> failure) {
                     if (self->stale(gen)) return;
                     if (failure) {
                       self->fail(*failure);
                     } else {
                       self->on_connected(gen);
                     }
                   });
  }

  void on_connected(uint64_t gen) {
    connected_ = true;
    max_peer_window_ = 0;
    state_.set(EndpointState::kOk);
    if (conn_->is_stream()) {
      conn_->watch([self = shared_from_this(), gen](const SyslogFailure& failure) {
        if (self->stale(gen)) return;
        self->fail(failure);
      });
    }
    pump();
  }

  [[nodiscard]] bool stale(uint64_t gen) const { return stopped_ || gen != generation_; }

  void fail(const SyslogFailure& f) {
    SyslogVerdict v =
        classify_syslog_error(f.ec, f.phase, conn_ ? conn_->peer() : peer_name(), f.verify_result);
    fail_with(v.error_class, std::move(v.message));
  }

  void fail_with(ErrorClass error_class, std::string message) {
    if (stopped_) return;
    endpoint_.counters.errors[size_t(error_class)].fetch_add(1, std::memory_order_relaxed);
    endpoint_.status.record_error(error_class, std::move(message));
    drop_connection();
    release_window(/*count_retried=*/true);
    // A configuration problem (a certificate that does not verify, a name that does not exist)
    // will not go away by itself soon: keep trying, but slowly, and say "error" instead of
    // "retrying" so that /status shows that someone has to act.
    bool config = error_class == ErrorClass::kConfiguration;
    state_.set(config ? EndpointState::kError : EndpointState::kRetrying);
    retry_timer_.expires_after(config ? backoff_.slow() : backoff_.next());
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      self->connect();
    });
  }

  void drop_connection() {
    ++generation_;  // every pending handler of the old connection becomes stale
    connected_ = false;
    writing_ = false;
    if (conn_) {
      conn_->close();
      conn_.reset();
    }
  }

  // Gives every leased line back to the queue. Newest lease first: each nack puts its lines at
  // the front of the queue, so the oldest ends up first again and order is kept.
  void release_window(bool count_retried) {
    while (!window_.empty()) {
      InFlight& f = window_.back();
      size_t keep = f.udp_sent;  // UDP lines already sent count as delivered
      if (keep > 0) count_delivered(f, keep);
      if (count_retried && keep == 0) {
        endpoint_.counters.retried.fetch_add(f.lease.lines.size(), std::memory_order_relaxed);
      }
      endpoint_.queue->ack(f.lease, keep);
      leases_.give(std::move(f.lease));
      window_.pop_back();
    }
    window_bytes_ = 0;
  }

  // ---- sending ------------------------------------------------------------------------------

  void pump() {
    if (stopped_ || !connected_ || writing_) return;
    if (conn_->is_stream()) {
      pump_stream();
    } else {
      pump_datagrams();
    }
  }

  bool take(InFlight& f) {
    f.lease = leases_.take();
    if (!endpoint_.queue->take(options_.take_max_lines, options_.take_max_bytes, f.lease)) {
      leases_.give(std::move(f.lease));
      return false;
    }
    f.taken_at = Clock::now();
    return true;
  }

  void pump_stream() {
    if (window_bytes_ >= window_max_bytes_) return;  // the tick resumes once acks free room
    InFlight f;
    if (!take(f)) return;
    // The previous write's buffer may still be referenced by an aborted TLS operation of a
    // dropped connection; never reuse it under that operation's feet.
    if (wbuf_.use_count() > 1) wbuf_ = std::make_shared<LineBuffer>();
    wbuf_->clear();
    builder_.append_stream(f.lease.lines, std::chrono::system_clock::now(), *wbuf_);
    window_bytes_ += f.lease.lines.byte_size();
    window_.push_back(std::move(f));

    writing_ = true;
    last_progress_at_ = Clock::now();
    uint64_t gen = generation_;
    conn_->write(
        wbuf_->data(), wbuf_->size(),
        [self = shared_from_this(), gen, buf = wbuf_](const boost::system::error_code& ec, size_t) {
          if (self->stale(gen)) return;
          self->on_written(ec);
        });
  }

  void on_written(const boost::system::error_code& ec) {
    writing_ = false;
    if (ec) {
      fail(SyslogFailure{ec, SyslogPhase::kWrite});
      return;
    }
    InFlight& f = window_.back();
    f.written = true;
    f.end_offset = conn_->bytes_to_kernel();
    settle(Clock::now());
    pump();
  }

  // UDP: one datagram per line, sent without blocking until the socket buffer is full.
  void pump_datagrams() {
    for (int leases = 0; leases < 16; ++leases) {
      if (window_.empty()) {
        InFlight f;
        if (!take(f)) return;
        window_.push_back(std::move(f));
      }
      InFlight& f = window_.front();
      auto now = std::chrono::system_clock::now();
      while (f.udp_sent < f.lease.lines.size()) {
        if (builder_.build_datagram(f.lease.lines.line(f.udp_sent), now, dgram_)) {
          endpoint_.counters.truncated.fetch_add(1, std::memory_order_relaxed);
        }
        boost::system::error_code ec;
        if (conn_->send_datagram(dgram_.data(), dgram_.size(), ec)) {
          ++f.udp_sent;
          continue;
        }
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          writing_ = true;
          uint64_t gen = generation_;
          conn_->wait_writable(
              [self = shared_from_this(), gen](const boost::system::error_code& wec) {
                if (self->stale(gen)) return;
                self->writing_ = false;
                if (wec) {
                  self->fail(SyslogFailure{wec, SyslogPhase::kWrite});
                } else {
                  self->pump();
                }
              });
          return;
        }
        // ECONNREFUSED here reports an ICMP port-unreachable for an earlier datagram: nobody is
        // listening. The lines not yet sent stay queued for the next attempt.
        fail(SyslogFailure{ec, SyslogPhase::kWrite});
        return;
      }
      count_delivered(f, f.lease.lines.size());
      endpoint_.queue->ack(f.lease);
      endpoint_.status.record_success();
      backoff_.reset();
      leases_.give(std::move(f.lease));
      window_.pop_front();
    }
    // A long queue: give other work on this loop a turn, then continue.
    asio::post(strand_, [self = shared_from_this()] { self->pump(); });
  }

  // ---- acknowledgement ----------------------------------------------------------------------

  // Marks leases whose bytes the receiver's TCP has acknowledged while its application was keeping
  // up, and acks those that have been safe for ack_hold. Runs during a write too: a slow receiver
  // can keep a write pending for long, and bytes_to_kernel() never overstates, so the lines it
  // covers are safe to count.
  void settle(Clock::time_point now) {
    if (!connected_ || !conn_ || !conn_->is_stream() || window_.empty()) return;
    uint64_t acked_upto = UINT64_MAX;  // no TCP progress at all (not Linux?): the hold alone
    bool keeping_up = true;
    if (auto progress = conn_->tcp_progress()) {
      uint64_t total = conn_->bytes_to_kernel();
      acked_upto = total > progress->unacked_bytes ? total - progress->unacked_bytes : 0;
      if (progress->peer_window) {
        // The peer's kernel acknowledges bytes it only buffered. While its application reads,
        // the window it advertises stays open; when the window has shrunk below half of the
        // largest seen, bytes are piling up unread and would die with the process.
        max_peer_window_ = std::max<uint64_t>(max_peer_window_, *progress->peer_window);
        keeping_up = uint64_t(*progress->peer_window) * 2 >= max_peer_window_;
      }
    }
    if (!keeping_up) return;
    for (InFlight& f : window_) {
      if (!f.written || f.end_offset > acked_upto) break;
      if (!f.peer_acked_at) f.peer_acked_at = now;
    }
    bool acked_any = false;
    while (!window_.empty()) {
      InFlight& f = window_.front();
      if (!f.peer_acked_at || now - *f.peer_acked_at < options_.ack_hold) break;
      count_delivered(f, f.lease.lines.size());
      window_bytes_ -= std::min(window_bytes_, f.lease.lines.byte_size());
      endpoint_.queue->ack(f.lease);
      leases_.give(std::move(f.lease));
      window_.pop_front();
      acked_any = true;
    }
    if (acked_any) {
      endpoint_.status.record_success();
      // The connection carried lines all the way: the next failure starts from a short delay.
      backoff_.reset();
    }
  }

  void count_delivered(const InFlight& f, size_t lines) {
    auto& c = endpoint_.counters;
    c.delivered.fetch_add(lines, std::memory_order_relaxed);
    c.delivered_bytes.fetch_add(f.lease.lines.bytes_before(lines), std::memory_order_relaxed);
    c.observe_batch_latency(Clock::now() - f.taken_at);
  }

  void schedule_tick() {
    tick_timer_.expires_after(options_.tick);
    tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      if (self->write_stalled(Clock::now())) {
        self->fail(SyslogFailure{asio::error::timed_out, SyslogPhase::kTimeout});
      }
      self->settle(Clock::now());
      // Also a poll: if a data callback was ever missed, lines still go out within a tick.
      self->pump();
      self->schedule_tick();
    });
  }

  // A write that has been pending for write_timeout without the kernel taking or the peer
  // acknowledging a single byte: the receiver is stuck, or the path to it is gone without a reset.
  // Progress is judged by the bytes in flight rather than by the write's completion, so that a
  // slow receiver working through a large write is not mistaken for a dead one.
  bool write_stalled(Clock::time_point now) {
    if (!writing_ || !conn_) return false;
    uint64_t sent = conn_->bytes_to_kernel();
    uint64_t unacked = 0;
    if (auto progress = conn_->tcp_progress()) unacked = progress->unacked_bytes;
    if (sent != progress_sent_ || unacked != progress_unacked_) {
      progress_sent_ = sent;
      progress_unacked_ = unacked;
      last_progress_at_ = now;
      return false;
    }
    return now - last_progress_at_ >= options_.write_timeout;
  }

  // ---- helpers ------------------------------------------------------------------------------

  [[nodiscard]] std::string peer_name() const {
    return settings_.address + ":" + std::to_string(settings_.port);
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;  // keeps settings_ alive
  const SyslogSinkSettings& settings_;
  SyslogSinkOptions options_;
  asio::strand<asio::io_context::executor_type> strand_;
  SyslogRequestBuilder builder_;
  Backoff backoff_;
  asio::steady_timer retry_timer_;
  asio::steady_timer tick_timer_;

  std::shared_ptr<SyslogConnection> conn_;
  uint64_t generation_ = 0;
  bool connected_ = false;
  bool writing_ = false;
  bool stopped_ = false;
  std::atomic<bool> wake_posted_{false};
  SinkState state_{endpoint_.status};

  std::deque<InFlight> window_;  // oldest first
  size_t window_bytes_ = 0;
  size_t window_max_bytes_ = 0;
  uint64_t max_peer_window_ = 0;  // the largest window the current connection's peer advertised
  // Write progress, for write_stalled().
  Clock::time_point last_progress_at_;
  uint64_t progress_sent_ = 0, progress_unacked_ = 0;
  std::shared_ptr<LineBuffer> wbuf_;
  LineBuffer dgram_;
  LeasePool leases_{8};
};

}  // namespace

std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx) {
  return make_syslog_sink(ctx, SyslogSinkOptions{});
}

std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx, const SyslogSinkOptions& options) {
  return make_shared_core_sink<SyslogSinkCore, SyslogSinkSettings>(ctx, options);
}

}  // namespace sluice

// The syslog sink: the delivery driver, fed by the syslog request builder, writing its requests
// in order to one connection. Batching, retries and ordered acknowledgement are the driver's;
// this file decides when a written request counts as delivered.
//
// Why a request is not delivered when its write completes (at-least-once over plain TCP):
// syslog over TCP has no application-level acknowledgement. A completed write() only means the
// bytes are in our kernel's send buffer. From there they still have to reach the receiver's
// kernel (the peer's TCP ACK says they did), be read by the receiver process, and be written
// to the receiver's destination. If the receiver is killed (SIGKILL, crash, restart) the bytes in
// our send buffer, in its receive buffer and in its in-memory queue are all lost with the
// connection, and we only learn that when the peer's kernel answers with RST or FIN.
//
// So every request written to the current connection stays in flight, in the driver's window,
// until all of these hold:
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
// request in flight has failed (DeliveryDriver::fail_in_flight), and the driver resends them, in
// order, once the sink reconnected: the receiver may see some lines twice (counted in
// `retried`), but none is lost.
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

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "delivery/delivery_driver.h"
#include "delivery/delivery_reporter.h"
#include "delivery/wake_timer.h"
#include "sinks/syslog/config.h"
#include "sinks/syslog/request_builder.h"
#include "sinks/syslog/retry_logic.h"
#include "sinks/syslog/service.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

DeliveryDriverSettings driver_settings(const SyslogSinkSettings& s, const SyslogSinkOptions& o,
                                       const SinkContext& ctx) {
  DeliveryDriverSettings d;
  d.batch.max_entries = o.take_max_lines;
  d.batch.max_bytes = o.take_max_bytes;
  d.batch.line_overhead = 0;
  d.batch.linger = Clock::duration(0);  // a stream has no per-request cost to amortize
  d.batch = d.batch.clamped_to(ctx.limits);
  // The resend window is bytes, whatever the requests' sizes: a request is as large as what the
  // queue held when it was taken.
  d.window_max_bytes = o.window_max_bytes != 0
                           ? o.window_max_bytes
                           : std::max<size_t>(1 << 20, ctx.config->queue_max_bytes);
  d.concurrency = 1 << 16;
  d.initial_backoff = o.initial_backoff;
  d.max_backoff = std::chrono::milliseconds(int64_t(s.max_backoff_seconds * 1000));
  d.jitter_seed = o.jitter_seed;
  d.ordered_service = true;
  d.keep_payloads = false;
  return d;
}

class SyslogSinkCore : public std::enable_shared_from_this<SyslogSinkCore>, public DeliveryHost {
 public:
  SyslogSinkCore(SinkContext& ctx, const SyslogSinkSettings& settings,
                 const SyslogSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        destinations_(ctx.destinations),
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
        wake_(strand_),
        reporter_(ctx.endpoint),
        driver_(*ctx.endpoint.queue, reporter_, *this, driver_settings(settings, options, ctx)) {}

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
    asio::post(strand_, [self = shared_from_this()] { self->driver_.flush(Clock::now()); });
  }

  // Runs on the io thread with the loop stopping or stopped, so it does its work directly.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    retry_timer_.cancel();
    tick_timer_.cancel();
    wake_.cancel();
    drop_connection();
    // Unacknowledged lines go back to the queue: they are sent after a restart (from disk with a
    // disk queue). Not counted as retried: whether they are sent again is up to the next run.
    driver_.stop();
  }

  // The request builder: framed messages for a stream; for UDP, each datagram after its length
  // (a native-endian uint32), for send_datagrams() to cut apart again.
  Result<Payload> build(std::span<const LineBatch* const> batches) override {
    auto now = std::chrono::system_clock::now();
    auto body = std::make_shared<std::string>();
    uint64_t raw = 0;
    buffer_.clear();
    for (const LineBatch* b : batches) {
      raw += b->byte_size();
      if (!settings_.udp) {
        builder_.append_stream(*b, now, buffer_);
        continue;
      }
      for (size_t i = 0; i < b->size(); ++i) {
        if (builder_.build_datagram(b->line(i), now, dgram_)) {
          endpoint_.counters.truncated.fetch_add(1, std::memory_order_relaxed);
        }
        auto n = uint32_t(dgram_.size());
        buffer_.append(reinterpret_cast<const char*>(&n), reinterpret_cast<const char*>(&n) + 4);
        buffer_.append(dgram_.data(), dgram_.data() + dgram_.size());
      }
    }
    body->assign(buffer_.data(), buffer_.size());
    return Payload{std::move(body), raw};
  }

  // The service: requests are written in the order given, one at a time.
  void send(uint64_t id, const Payload& payload) override {
    unwritten_.push_back(Written{id, payload.body});
    if (settings_.udp) {
      post_datagrams();
    } else {
      write_next();
    }
  }

  void wake_at(Clock::time_point at) override {
    wake_.arm(at, [self = shared_from_this()] {
      if (!self->stopped_) self->driver_.on_wake(Clock::now());
    });
  }

 private:
  // A request on the current connection: waiting to be written, or written and waiting for the
  // receiver to have it (see the top of this file).
  struct Written {
    uint64_t id = 0;
    std::shared_ptr<const std::string> body;         // until written
    uint64_t end_offset = 0;                         // connection bytes_to_kernel() after its write
    std::optional<Clock::time_point> peer_acked_at;  // when the receiver's TCP had it all
    size_t body_offset = 0;                          // UDP: where the next datagram starts
  };

  void pump() { driver_.pump(Clock::now()); }

  void connect() {
    if (stopped_) return;
    reporter_.set_state(EndpointState::kConnecting);
    std::shared_ptr<asio::ssl::context> tls;
    if (settings_.use_tls) {
      auto ctx = make_syslog_tls_context(settings_);
      if (!ctx) {
        fail_with(ErrorClass::kConfiguration, ctx.error().message());
        return;
      }
      tls = std::move(ctx.value());
    }
    conn_ = SyslogConnection::create(strand_, settings_, std::move(tls), destinations_);
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
    reporter_.set_state(EndpointState::kOk);
    if (conn_->is_stream()) {
      conn_->watch([self = shared_from_this(), gen](const SyslogFailure& failure) {
        if (self->stale(gen)) return;
        self->fail(failure);
      });
    }
    driver_.set_ready(true, Clock::now());
  }

  [[nodiscard]] bool stale(uint64_t gen) const { return stopped_ || gen != generation_; }

  void fail(const SyslogFailure& f) {
    if (!f.refused.empty()) {
      // The policy's message names the address and the rule; the name it came from is ours.
      fail_with(ErrorClass::kConfiguration,
                fmt::format("connect {}: {}", conn_ ? conn_->peer() : peer_name(), f.refused));
      return;
    }
    SyslogVerdict v =
        classify_syslog_error(f.ec, f.phase, conn_ ? conn_->peer() : peer_name(), f.verify_result);
    fail_with(v.error_class, std::move(v.message));
  }

  // Every request on the connection failed with it; the driver resends them once reconnected.
  void fail_with(ErrorClass error_class, std::string message) {
    if (stopped_) return;
    drop_connection();
    auto now = Clock::now();
    driver_.set_ready(false, now);
    // No delay of the driver's own: the reconnect's backoff below is the one that counts.
    driver_.fail_in_flight(
        Verdict::retry(error_class, std::move(message), std::chrono::milliseconds(0)), now);
    // A configuration problem (a certificate that does not verify, a name that does not exist)
    // will not go away by itself soon: keep trying, but slowly, and say "error" instead of
    // "retrying" so that /status shows that someone has to act.
    bool config = error_class == ErrorClass::kConfiguration;
    reporter_.set_state(config ? EndpointState::kError : EndpointState::kRetrying);
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
    datagrams_posted_ = false;
    unwritten_.clear();
    written_.clear();
    if (conn_) {
      conn_->close();
      conn_.reset();
    }
  }

  void write_next() {
    if (stopped_ || !connected_ || writing_ || unwritten_.empty()) return;
    writing_ = true;
    last_progress_at_ = Clock::now();
    uint64_t gen = generation_;
    // The body stays alive with the handler: an aborted TLS write of a dropped connection may
    // still reference it.
    std::shared_ptr<const std::string> body = unwritten_.front().body;
    conn_->write(
        body->data(), body->size(),
        [self = shared_from_this(), gen, body](const boost::system::error_code& ec, size_t) {
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
    Written w = std::move(unwritten_.front());
    unwritten_.pop_front();
    w.body.reset();
    w.end_offset = conn_->bytes_to_kernel();
    written_.push_back(std::move(w));
    write_next();
    settle(Clock::now());
  }

  // UDP: datagrams go out from a handler of their own (the driver must not hear back from inside
  // send()), without blocking, until the socket buffer is full.
  void post_datagrams() {
    if (datagrams_posted_ || writing_ || !connected_) return;
    datagrams_posted_ = true;
    asio::post(strand_, [self = shared_from_this(), gen = generation_] {
      if (self->stale(gen)) return;
      self->datagrams_posted_ = false;
      self->send_datagrams();
    });
  }

  void send_datagrams() {
    std::vector<uint64_t> sent;
    for (int requests = 0; requests < 16 && !unwritten_.empty(); ++requests) {
      Written& w = unwritten_.front();
      const std::string& body = *w.body;
      while (w.body_offset < body.size()) {
        uint32_t n = 0;
        std::memcpy(&n, body.data() + w.body_offset, 4);
        boost::system::error_code ec;
        if (conn_->send_datagram(body.data() + w.body_offset + 4, n, ec)) {
          w.body_offset += 4 + size_t(n);
          continue;
        }
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          writing_ = true;
          conn_->wait_writable(
              [self = shared_from_this(), gen = generation_](const boost::system::error_code& wec) {
                if (self->stale(gen)) return;
                self->writing_ = false;
                if (wec) {
                  self->fail(SyslogFailure{wec, SyslogPhase::kWrite});
                } else {
                  self->send_datagrams();
                }
              });
          break;
        }
        // ECONNREFUSED here reports an ICMP port-unreachable for an earlier datagram: nobody is
        // listening. The request is sent again after reconnecting (UDP promises nothing more).
        fail(SyslogFailure{ec, SyslogPhase::kWrite});
        return;
      }
      if (writing_) break;
      sent.push_back(w.id);
      unwritten_.pop_front();
    }
    if (!unwritten_.empty() && !writing_) post_datagrams();  // a long queue: others get a turn
    if (!sent.empty()) backoff_.reset();
    auto now = Clock::now();
    for (uint64_t id : sent) driver_.on_response(id, Verdict::successful(), now);
  }

  // Marks requests whose bytes the receiver's TCP has acknowledged while its application was
  // keeping up, and reports delivered those that have been safe for ack_hold. Runs during a
  // write too: a slow receiver can keep a write pending for long, and bytes_to_kernel() never
  // overstates, so the requests it covers are safe to count.
  void settle(Clock::time_point now) {
    if (!connected_ || !conn_ || !conn_->is_stream() || written_.empty()) return;
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
    for (Written& w : written_) {
      if (w.end_offset > acked_upto) break;
      if (!w.peer_acked_at) w.peer_acked_at = now;
    }
    std::vector<uint64_t> delivered;
    while (!written_.empty()) {
      Written& w = written_.front();
      if (!w.peer_acked_at || now - *w.peer_acked_at < options_.ack_hold) break;
      delivered.push_back(w.id);
      written_.pop_front();
    }
    // The connection carried lines all the way: the next failure starts from a short delay.
    if (!delivered.empty()) backoff_.reset();
    for (uint64_t id : delivered) driver_.on_response(id, Verdict::successful(), now);
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

  [[nodiscard]] std::string peer_name() const {
    return settings_.address + ":" + std::to_string(settings_.port);
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;  // keeps settings_ alive
  std::shared_ptr<const DestinationPolicy> destinations_;
  const SyslogSinkSettings& settings_;
  SyslogSinkOptions options_;
  asio::strand<asio::io_context::executor_type> strand_;
  SyslogRequestBuilder builder_;
  Backoff backoff_;  // reconnects
  asio::steady_timer retry_timer_;
  asio::steady_timer tick_timer_;
  WakeTimer wake_;

  std::shared_ptr<SyslogConnection> conn_;
  uint64_t generation_ = 0;
  bool connected_ = false;
  bool writing_ = false;
  bool datagrams_posted_ = false;
  bool stopped_ = false;
  std::atomic<bool> wake_posted_{false};

  std::deque<Written> unwritten_;  // oldest first
  std::deque<Written> written_;    // oldest first
  uint64_t max_peer_window_ = 0;   // the largest window the current connection's peer advertised
  // Write progress, for write_stalled().
  Clock::time_point last_progress_at_;
  uint64_t progress_sent_ = 0, progress_unacked_ = 0;
  LineBuffer buffer_;
  LineBuffer dgram_;

  DeliveryReporter reporter_;
  DeliveryDriver driver_;
};

}  // namespace

std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx) {
  return make_syslog_sink(ctx, SyslogSinkOptions{});
}

std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx, const SyslogSinkOptions& options) {
  return make_shared_core_sink<SyslogSinkCore, SyslogSinkSettings>(ctx, options);
}

}  // namespace sluice

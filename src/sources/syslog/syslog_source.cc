#include "sources/syslog/syslog_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include "core/log.h"

#include "core/rate_limited_log.h"
#include "net/connection_set.h"
#include "net/listen_address.h"
#include "net/peer_address.h"
#include "net/server_tls.h"
#include "route/ingest_session.h"
#include "sources/stream_framer.h"
#include "sources/syslog/syslog_message.h"

namespace sluice {
namespace syslog_detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 64 * 1024;
// How often a connection whose queue is full tries again. Short enough that a queue draining
// at full speed is refilled promptly, long enough not to spin.
constexpr auto kFlushRetry = std::chrono::milliseconds(10);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// How long stop() lets connections flush what they have read into full queues.
constexpr auto kStopFlushWait = std::chrono::seconds(3);
// UDP: datagrams read per wake-up before flushing, and the bytes a session may hold back
// while a queue is full before reading pauses.
constexpr size_t kUdpBatch = 256;
constexpr size_t kUdpMaxHeldBytes = 4 * 1024 * 1024;
constexpr int kUdpReceiveBuffer = 4 * 1024 * 1024;

class Connection {
 public:
  virtual ~Connection() = default;
  // Asks the connection to stop reading, flush and close; returns at once.
  virtual void post_close() = 0;
  // When it last received bytes (steady clock, ns); the UDP socket is never idle.
  [[nodiscard]] virtual int64_t last_active_ns() const { return INT64_MAX; }
};

int64_t now_ns() {
  return Clock::now().time_since_epoch().count();
}

// What a source shares with its connections. They hold it by shared_ptr, since their last
// handlers may run after the source object is gone. Their destructors touch nothing else
// here (the counters may be gone by then).
struct Shared {
  Shared(const SourceContext& ctx, std::string name)
      : config(ctx.config),
        routes(ctx.routes),
        counters(ctx.counters),
        name(std::move(name)),
        log("sluice: source " + this->name) {}

  SourceConfig config;  // a copy: connections may outlive the engine's Config during teardown
  const ActiveRoutes& routes;
  SourceCounters& counters;
  std::string name;  // "syslog tcp 127.0.0.1:5140"
  RateLimitedLog log;
  ConnectionSet<Connection> connections;
  std::shared_ptr<ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> stop_deadline_ns{0};
  std::atomic<uint64_t> kernel_drops{0};

  [[nodiscard]] bool give_up_flushing() const {
    return stopping.load() && Clock::now().time_since_epoch().count() > stop_deadline_ns.load();
  }
};

// Counts of one read buffer, added to the shared atomics once per buffer: two ingest threads
// incrementing the same cache line per message would cost more than the parsing.
struct Tally {
  uint64_t messages = 0;
  uint64_t rejected = 0;
  void commit(SourceCounters& c) {
    if (messages > 0) c.messages.fetch_add(messages, std::memory_order_relaxed);
    if (rejected > 0) c.rejected.fetch_add(rejected, std::memory_order_relaxed);
    messages = rejected = 0;
  }
};

// Trailing newlines are framing, not message: some senders end each datagram, or each
// octet-counted frame, with one.
std::string_view trim_newlines(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One frame: strip the syslog header and submit the payload. `peer` is called only to log.
template <typename Peer>
void handle_frame(Shared& s, IngestSession& session, std::string_view frame,
                  StreamFramer::FrameKind kind, Peer&& peer, Tally& tally) {
  ++tally.messages;
  if (kind == StreamFramer::FrameKind::kError) {
    // A refused octet count or a stream that ended inside a frame: a message lost, so counted.
    ++tally.rejected;
    s.log.log("from {}: {}", peer(), frame);
    return;
  }
  SyslogMessage m = parse_syslog_message(trim_newlines(frame));
  // A cut frame's payload may fit the endpoint's limit (a 5424 header with kilobytes of
  // structured data took the rest of the frame): the session still counts the line as cut.
  bool cut = kind == StreamFramer::FrameKind::kCut;
  if (Status st = session.submit(m.payload, cut); !st) {
    ++tally.rejected;
    s.log.log("rejected a message from {}{}: {}", peer(),
              cut ? fmt::format(" (cut at {} bytes)", frame.size()) : std::string(),
              st.error().message());
  }
}

std::string sockaddr_string(const sockaddr_storage& sa) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (sa.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    return fmt::format("{}:{}", text, ntohs(in.sin_port));
  }
  if (sa.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    return fmt::format("[{}]:{}", text, ntohs(in6.sin6_port));
  }
  return "unknown";
}

bool is_quiet_close(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == ssl::error::stream_truncated;
}

// A TCP or TLS connection. Everything runs on the connection's strand, one operation at a
// time: a read, or a flush retry while a queue is full.
template <typename Stream>
class StreamConnection final : public Connection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  StreamConnection(Stream stream, std::shared_ptr<Shared> shared, std::string peer)
      : stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        session_(shared->routes, shared->config.service, shared->config.payload),
        shared_(std::move(shared)),
        peer_(std::move(peer)) {}
  ~StreamConnection() override { shared_->connections.remove(this); }

  [[nodiscard]] int64_t last_active_ns() const override {
    return last_active_ns_.load(std::memory_order_relaxed);
  }

  void start() {
    if (!shared_->connections.add(this->shared_from_this())) return;
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

  void post_close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      error_code ignored;
      self->stream_.lowest_layer().cancel(ignored);
      self->timer_.cancel();
    });
  }

 private:
  void begin() {
    if constexpr (kTls) {
      timer_.expires_after(kHandshakeTimeout);
      timer_.async_wait([self = this->shared_from_this()](error_code ec) {
        if (!ec && !self->handshake_done_) self->close_socket();
      });
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](
                                                            error_code ec) {
        self->handshake_done_ = true;
        self->timer_.cancel();
        if (ec) {
          if (!self->closing_) {
            self->shared_->log.log("TLS handshake with {} failed: {}", self->peer_, ec.message());
          }
          self->close_socket();
          return;
        }
        self->read();
      });
    } else {
      read();
    }
  }

  void read() {
    if (closing_) return finish();
    char* space = framer_.prepare(kReadChunk);
    stream_.async_read_some(
        asio::buffer(space, framer_.writable()),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, size_t n) {
    Tally tally;
    auto peer = [this]() -> const std::string& { return peer_; };
    auto on_frame = [&](std::string_view frame, StreamFramer::FrameKind kind) {
      handle_frame(*shared_, session_, frame, kind, peer, tally);
    };
    if (n > 0) {
      last_active_ns_.store(now_ns(), std::memory_order_relaxed);
      framer_.commit(n);
      shared_->counters.bytes.fetch_add(n, std::memory_order_relaxed);
      framer_.drain(on_frame);
    }
    if (ec) {
      if (!is_quiet_close(ec) && !closing_) {
        shared_->log.log("connection from {}: {}", peer_, ec.message());
      }
      framer_.finish(on_frame);
      tally.commit(shared_->counters);
      return finish();
    }
    tally.commit(shared_->counters);
    flush_then_read();
  }

  void flush_then_read() {
    if (session_.flush()) return read();
    if (closing_) return finish();
    // A queue with when_full = block is full. Not reading is the backpressure: the kernel's
    // receive buffer fills and TCP closes the sender's window.
    timer_.expires_after(kFlushRetry);
    timer_.async_wait([self = this->shared_from_this()](error_code) { self->flush_then_read(); });
  }

  // Reading is over. What was read has been taken from the sender, so it is flushed even if
  // that means waiting for a full queue; only stop()'s deadline ends the wait.
  void finish() {
    close_socket();
    if (session_.flush()) return;  // the last handler: the connection is released
    if (shared_->give_up_flushing()) {
      shared_->log.log("connection from {}: stopped with lines still waiting for a full queue",
                       peer_);
      return;
    }
    timer_.expires_after(kFlushRetry);
    timer_.async_wait([self = this->shared_from_this()](error_code) { self->finish(); });
  }

  void close_socket() {
    error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  Stream stream_;
  asio::steady_timer timer_;
  std::atomic<int64_t> last_active_ns_{now_ns()};
  StreamFramer framer_;
  IngestSession session_;
  std::shared_ptr<Shared> shared_;
  std::string peer_;
  bool closing_ = false;
  bool handshake_done_ = false;
};

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  TcpListener(asio::io_context& io, std::shared_ptr<Shared> shared, LoopPicker* connection_loops)
      : io_(io),
        connection_loops_(connection_loops),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()),
        sweep_(acceptor_.get_executor()),
        shared_(std::move(shared)) {}

  Status open(const tcp::endpoint& endpoint) {
    error_code ec;
    auto fail = [&](std::string_view what) {
      return Error(
          fmt::format("source {}: cannot listen: {}: {}", shared_->name, what, ec.message()));
    };
    if (acceptor_.open(endpoint.protocol(), ec)) return fail("socket");
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) {
      return fail("SO_REUSEADDR");
    }
    if (acceptor_.bind(endpoint, ec)) return fail("bind");
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  void accept() {
    acceptor_.async_accept(asio::make_strand(connection_loop(connection_loops_, io_)),
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void post_close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
      self->sweep_.cancel();
    });
  }

  // Closes, every quarter of idle_timeout, the connections that received nothing for
  // idle_timeout: an idle sender holds a descriptor and buffers that others could use.
  void sweep_idle() {
    auto timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(shared_->config.idle_timeout_seconds));
    sweep_.expires_after(std::max<Clock::duration>(timeout / 4, std::chrono::seconds(1)));
    sweep_.async_wait([self = shared_from_this(), timeout](error_code ec) {
      if (ec || !self->acceptor_.is_open()) return;
      int64_t cutoff = now_ns() - int64_t(timeout.count());
      for (const auto& c : self->shared_->connections.snapshot()) {
        if (c->last_active_ns() < cutoff) {
          self->shared_->counters.idle_closed.fetch_add(1, std::memory_order_relaxed);
          c->post_close();
        }
      }
      self->sweep_idle();
    });
  }

  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors, usually: accepting again at once would spin.
      shared_->log.log("accept: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    std::string peer = peer_string(socket);
    if (shared_->connections.size() >= shared_->config.max_connections) {
      // At the cap, the connection is taken and closed at once: left in the backlog it would
      // hold the sender (and a descriptor) without a word.
      shared_->counters.refused.fetch_add(1, std::memory_order_relaxed);
      shared_->log.log("refused a connection from {}: {} connections already (max_connections)",
                       peer, shared_->config.max_connections);
      error_code ignored;
      socket.close(ignored);
      return accept();
    }
    shared_->counters.connections.fetch_add(1, std::memory_order_relaxed);
    if (shared_->tls) {
      using TlsStream = ssl::stream<tcp::socket>;
      std::make_shared<StreamConnection<TlsStream>>(TlsStream(std::move(socket), *shared_->tls),
                                                    shared_, std::move(peer))
          ->start();
    } else {
      std::make_shared<StreamConnection<tcp::socket>>(std::move(socket), shared_, std::move(peer))
          ->start();
    }
    accept();
  }

  asio::io_context& io_;
  LoopPicker* connection_loops_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  asio::steady_timer sweep_;
  std::shared_ptr<Shared> shared_;
  uint16_t port_ = 0;
};

// The UDP socket: one reader, one session. It waits for readability and then reads datagrams
// with recvmsg() until the socket is empty (or a batch is full), so that it can also read the
// kernel's drop counter, and flushes once per batch.
class UdpReceiver final : public Connection, public std::enable_shared_from_this<UdpReceiver> {
 public:
  UdpReceiver(asio::io_context& io, std::shared_ptr<Shared> shared)
      : socket_(asio::make_strand(io)),
        timer_(socket_.get_executor()),
        session_(shared->routes, shared->config.service, shared->config.payload),
        shared_(std::move(shared)),
        buffer_(64 * 1024) {}
  ~UdpReceiver() override { shared_->connections.remove(this); }

  Status open(const udp::endpoint& endpoint) {
    error_code ec;
    auto fail = [&](std::string_view what) {
      return Error(
          fmt::format("source {}: cannot listen: {}: {}", shared_->name, what, ec.message()));
    };
    if (socket_.open(endpoint.protocol(), ec)) return fail("socket");
    if (socket_.bind(endpoint, ec)) return fail("bind");
    // Best effort: a larger buffer absorbs bursts; the kernel caps it at net.core.rmem_max.
    socket_.set_option(asio::socket_base::receive_buffer_size(kUdpReceiveBuffer), ec);
    int one = 1;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (socket_.non_blocking(true, ec)) return fail("non-blocking mode");
    port_ = socket_.local_endpoint(ec).port();
    return {};
  }

  void start() {
    if (!shared_->connections.add(shared_from_this())) return;
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->wait(); });
  }

  void post_close() override {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      error_code ignored;
      self->socket_.close(ignored);
      self->timer_.cancel();
    });
  }

  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  void wait() {
    if (closing_) return finish();
    socket_.async_wait(udp::socket::wait_read,
                       [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
  }

  void on_readable(error_code ec) {
    if (ec || closing_) return finish();
    receive_batch();
    if (session_.flush()) {
      held_bytes_ = 0;
      return wait();
    }
    // A block-policy queue is full. UDP cannot push back, so keep reading (the session holds
    // the lines) up to a bound; beyond it, pause and let the kernel buffer, then drop and count.
    if (held_bytes_ < kUdpMaxHeldBytes) return wait();
    retry_flush();
  }

  void retry_flush() {
    if (session_.flush()) {
      held_bytes_ = 0;
      return wait();
    }
    if (closing_) return finish();
    timer_.expires_after(kFlushRetry);
    timer_.async_wait([self = shared_from_this()](error_code) { self->retry_flush(); });
  }

  void receive_batch() {
    Tally tally;
    uint64_t bytes = 0;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
    for (size_t i = 0; i < kUdpBatch; ++i) {
      sockaddr_storage from{};
      iovec iov{buffer_.data(), buffer_.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          shared_->log.log("recvmsg: {}", std::strerror(errno));
        }
        break;
      }
      read_drop_counter(msg);
      bytes += size_t(n);
      held_bytes_ += size_t(n);
      std::string_view datagram = trim_newlines(std::string_view(buffer_.data(), size_t(n)));
      if (datagram.empty()) continue;
      auto peer = [&from] { return sockaddr_string(from); };
      handle_frame(*shared_, session_, datagram, StreamFramer::FrameKind::kComplete, peer, tally);
    }
    shared_->counters.bytes.fetch_add(bytes, std::memory_order_relaxed);
    tally.commit(shared_->counters);
  }

  // SO_RXQ_OVFL attaches the socket's running count of datagrams dropped for lack of buffer.
  void read_drop_counter(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL) continue;
      uint32_t total = 0;
      std::memcpy(&total, CMSG_DATA(c), sizeof total);
      if (total != drops_seen_) {
        uint32_t delta = total - drops_seen_;  // wraps correctly
        drops_seen_ = total;
        shared_->kernel_drops.fetch_add(delta, std::memory_order_relaxed);
        shared_->log.log("the kernel dropped {} datagrams: the receive buffer was full", delta);
      }
    }
  }

  void finish() {
    if (session_.flush()) return;
    if (shared_->give_up_flushing()) {
      shared_->log.log("stopped with lines still waiting for a full queue");
      return;
    }
    timer_.expires_after(kFlushRetry);
    timer_.async_wait([self = shared_from_this()](error_code) { self->finish(); });
  }

  udp::socket socket_;
  asio::steady_timer timer_;
  IngestSession session_;
  std::shared_ptr<Shared> shared_;
  std::vector<char> buffer_;
  size_t held_bytes_ = 0;
  uint32_t drops_seen_ = 0;
  uint16_t port_ = 0;
  bool closing_ = false;
};

const char* transport_name(Transport t) {
  switch (t) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kTls:
      return "tls";
  }
  return "?";
}

}  // namespace syslog_detail

using namespace syslog_detail;

SyslogSource::SyslogSource(const SourceContext& ctx)
    : ctx_(ctx),
      shared_(std::make_shared<Shared>(
          ctx, fmt::format("syslog {} {}", transport_name(ctx.config.transport),
                           ctx.config.listen.to_string()))) {}

SyslogSource::~SyslogSource() {
  stop();
}

Status SyslogSource::start() {
  auto address = resolve_listen_host(ctx_.config.listen);
  if (!address)
    return Error(fmt::format("source {}: {}", shared_->name, address.error().message()));
  if (ctx_.config.transport == Transport::kTls) {
    auto tls = load_server_tls(shared_->name, ctx_.config.tls_cert, ctx_.config.tls_key);
    if (!tls) return tls.error();
    shared_->tls = std::move(*tls);
  }
  if (ctx_.config.transport == Transport::kUdp) {
    auto udp = std::make_shared<UdpReceiver>(ctx_.io, shared_);
    if (Status s = udp->open(udp::endpoint(*address, ctx_.config.listen.port)); !s) return s;
    port_ = udp->port();
    name_bound_port();
    udp_ = std::move(udp);
    udp_->start();
  } else {
    auto listener = std::make_shared<TcpListener>(ctx_.io, shared_, ctx_.connection_loops);
    if (Status s = listener->open(tcp::endpoint(*address, ctx_.config.listen.port)); !s) return s;
    port_ = listener->port();
    name_bound_port();
    listener_ = std::move(listener);
    listener_->accept();
    listener_->sweep_idle();
  }
  return {};
}

void SyslogSource::name_bound_port() {
  // The name shows the port actually bound, which differs when the configuration asks for 0.
  // Set before any connection can log.
  shared_->name = fmt::format("syslog {} {}:{}", transport_name(ctx_.config.transport),
                              ctx_.config.listen.host, port_);
  shared_->log.set_prefix("sluice: source " + shared_->name);
}

void SyslogSource::stop() {
  if (stopped_.exchange(true)) return;
  shared_->stop_deadline_ns.store((Clock::now() + kStopFlushWait).time_since_epoch().count());
  shared_->stopping.store(true);
  if (listener_) listener_->post_close();
  for (auto& c : shared_->connections.begin_stop()) c->post_close();
  // The set waits for its connections to be released; the UDP receiver is one of them.
  listener_.reset();
  udp_.reset();
  // Waiting from a thread of the loop would hold up the very work it waits for.
  if (!ctx_.io.stopped() && !ctx_.io.get_executor().running_in_this_thread()) {
    if (!shared_->connections.wait_empty(kStopFlushWait + std::chrono::seconds(1))) {
      log_warn("source {}: {} connections did not finish flushing in time", shared_->name,
               shared_->connections.size());
    }
  }
}

std::string SyslogSource::describe() const {
  return shared_->name;
}

uint64_t SyslogSource::kernel_drops() const {
  return shared_->kernel_drops.load();
}

}  // namespace sluice

#pragma once

// Test peers and a harness for the syslog sink tests: real sockets on 127.0.0.1 with ephemeral
// ports, a real memory queue, and the sink on its own io thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "loopback_http_server.h"
#include "queue/endpoint_queue.h"
#include "sinks/syslog/config.h"
#include "sinks/syslog/sink.h"
#include "topology/endpoint_channel.h"

namespace sluice::testing {

using namespace std::chrono_literals;

// A listening TCP socket on 127.0.0.1 (port 0 = any free port), with blocking helpers that
// time out instead of hanging a test.
class TcpPeer {
 public:
  explicit TcpPeer(uint16_t port = 0) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd_, 16) != 0) {
      ADD_FAILURE() << "bind/listen 127.0.0.1:" << port << ": " << strerror(errno);
    }
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TcpPeer() {
    close_client();
    if (lfd_ >= 0) ::close(lfd_);
  }
  [[nodiscard]] uint16_t port() const { return port_; }

  // Accepts the next connection; false after the timeout.
  bool accept(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    close_client();
    pollfd p{lfd_, POLLIN, 0};
    if (::poll(&p, 1, int(timeout.count())) != 1) return false;
    fd_ = ::accept(lfd_, nullptr, nullptr);
    return fd_ >= 0;
  }

  // Reads until `lines` newlines arrived on the current connection (or EOF / timeout) and returns
  // everything read on it so far.
  std::string read_lines(size_t lines,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return read_while([&] { return count_newlines() < lines; }, timeout);
  }
  std::string read_bytes(size_t bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return read_while([&] { return data_.size() < bytes; }, timeout);
  }
  std::string read_while(const std::function<bool()>& more, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    while (fd_ >= 0 && more()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left.count())) != 1) break;
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      data_.append(buf, size_t(n));
    }
    return data_;
  }
  // True when the peer closed the current connection within the timeout.
  bool wait_eof(std::chrono::milliseconds timeout) {
    char buf[4096];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_ >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left.count())) != 1) return false;
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return true;
      data_.append(buf, size_t(n));
    }
    return true;
  }

  // Bytes the kernel has received (and acknowledged) for us that we have not read.
  size_t unread_bytes() const {
    int n = 0;
    if (fd_ < 0 || ::ioctl(fd_, FIONREAD, &n) != 0) return 0;
    return size_t(n);
  }

  // Closes the connection with an RST, as the kernel does for a killed process that left data
  // unread: what the receiver had not processed is gone.
  void reset_client() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close_client();
  }
  void close_client() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    data_.clear();
  }
  void close_listener() {
    if (lfd_ >= 0) ::close(lfd_);
    lfd_ = -1;
  }

 private:
  size_t count_newlines() const { return size_t(std::count(data_.begin(), data_.end(), '\n')); }

  int lfd_ = -1;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string data_;
};

// A port that nothing listens on (bound once to find it free, then released).
inline uint16_t unused_port() {
  TcpPeer p;
  return p.port();
}

inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// One syslog endpoint with a memory queue and a running sink on its own io thread.
class SinkHarness {
 public:
  SinkHarness(std::shared_ptr<SyslogSinkSettings> settings, MessageType type,
              SyslogSinkOptions options, uint64_t queue_bytes = 64 << 20,
              std::shared_ptr<const DestinationPolicy> destinations = nullptr)
      : settings_(std::move(settings)),
        endpoint_("svc1", "to_syslog", make_memory_queue(queue_bytes, WhenFull::kBlock)) {
    auto config = std::make_shared<EndpointConfig>();
    config->type = "syslog";
    config->name = "to_syslog";
    config->message_type = type;
    config->queue_max_bytes = queue_bytes;
    config->settings = settings_;
    SinkContext ctx{endpoint_, config, io_, "testhost"};
    ctx.destinations = std::move(destinations);
    sink_ = make_syslog_sink(ctx, options);
  }
  ~SinkHarness() { stop(); }

  void start() {
    sink_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  // The engine's order: stop the loop, then stop the sink on the (now idle) thread.
  void stop() {
    if (!sink_) return;
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    sink_->stop();
    sink_.reset();
  }

  void push(const std::vector<std::string>& lines) {
    LineBatch b;
    for (const auto& l : lines) b.add(l);
    while (!b.empty()) {
      PushResult r = endpoint_.queue->push(b);
      endpoint_.counters.received += r.accepted;
      if (r.full) std::this_thread::sleep_for(1ms);
    }
  }

  EndpointChannel& endpoint() { return endpoint_; }
  EndpointCounters& counters() { return endpoint_.counters; }
  std::string state() { return std::string(to_string(endpoint_.status.snapshot().state)); }
  uint64_t errors(ErrorClass c) { return endpoint_.counters.errors[size_t(c)].load(); }

 private:
  std::shared_ptr<SyslogSinkSettings> settings_;
  EndpointChannel endpoint_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<Sink> sink_;
  std::thread thread_;
};

inline std::shared_ptr<SyslogSinkSettings> tcp_settings(uint16_t port) {
  auto s = std::make_shared<SyslogSinkSettings>();
  s->address = "127.0.0.1";
  s->port = port;
  s->tls_hostname = "127.0.0.1";
  s->max_backoff_seconds = 0.2;
  return s;
}

// Short timings so tests run in milliseconds; each test sets ack_hold to what it checks.
inline SyslogSinkOptions fast_options(std::chrono::milliseconds hold = 50ms) {
  SyslogSinkOptions o;
  o.ack_hold = hold;
  o.tick = 10ms;
  o.initial_backoff = 10ms;
  o.connect_timeout = 2000ms;
  o.jitter_seed = 1;
  return o;
}

inline std::vector<std::string> numbered(size_t n, const std::string& prefix = "line ") {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

}  // namespace sluice::testing

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/result.h"
#include "net/destination_policy.h"
#include "sinks/syslog/config.h"
#include "sinks/syslog/retry_logic.h"
#include "sinks/syslog/tcp_info.h"

namespace sluice {

// The TLS client context of an endpoint: the CA to verify the receiver with (or the system's),
// and the optional client certificate and key. Each may be PEM text or a file path. Built again
// for every connection attempt so that a certificate fixed on disk is picked up without a
// restart. The error names the field and the reason, never the key material.
[[nodiscard]] Result<std::shared_ptr<boost::asio::ssl::context>> make_syslog_tls_context(
    const SyslogSinkSettings& settings);

// Why a connection failed: the transport error, where it happened, and for TLS the certificate
// verification result (X509_V_OK = 0 when not applicable).
struct SyslogFailure {
  boost::system::error_code ec;
  SyslogPhase phase = SyslogPhase::kConnect;
  long verify_result = 0;
  // The destination policy refused every address the name resolved to: why (it names the
  // address and the rule). Retrying cannot help until the configuration changes.
  std::string refused;
};

// One connection to a syslog receiver over TCP, TLS or UDP (the `service` of Vector's split: it
// moves bytes and reports errors; framing and retry decisions live elsewhere).
//
// Lifetime: always held by shared_ptr. Every pending operation keeps the connection alive until
// its handler has run, so the sink can drop a broken connection at once, even with a TLS
// operation still unwinding, and start a new one. Handlers run on the executor given to create().
// Not thread-safe: use it from that executor only. No exceptions: errors come back as codes.
class SyslogConnection : public std::enable_shared_from_this<SyslogConnection> {
 public:
  // tls: nullptr unless use_tls. destinations: checked on each resolved address before it is
  // tried; nullptr allows any.
  static std::shared_ptr<SyslogConnection> create(
      boost::asio::any_io_executor executor, const SyslogSinkSettings& settings,
      std::shared_ptr<boost::asio::ssl::context> tls,
      std::shared_ptr<const DestinationPolicy> destinations = nullptr);

  SyslogConnection(boost::asio::any_io_executor executor, const SyslogSinkSettings& settings,
                   std::shared_ptr<boost::asio::ssl::context> tls,
                   std::shared_ptr<const DestinationPolicy> destinations);
  ~SyslogConnection();
  SyslogConnection(const SyslogConnection&) = delete;
  SyslogConnection& operator=(const SyslogConnection&) = delete;

  // Resolves, connects and (for TLS) handshakes, all within `timeout`. `done` gets nullopt on
  // success.
  void connect(std::chrono::milliseconds timeout,
               std::function<void(std::optional<SyslogFailure>)> done);

  // Stream transports: writes all of [data, data + size). The caller keeps the bytes alive and
  // unchanged until `done` runs. One write at a time.
  void write(const char* data, size_t size,
             std::function<void(const boost::system::error_code&, size_t)> done);

  // Stream transports: a syslog receiver never sends anything, so a read that completes means the
  // peer closed or reset the connection. Without this a sink with nothing to write would not
  // notice a dead receiver, and would count lines as delivered that died in its buffers.
  void watch(std::function<void(const SyslogFailure&)> done);

  // UDP: sends one datagram without blocking. Returns false with ec = would_block when the socket
  // buffer is full (wait with wait_writable), or with another error.
  bool send_datagram(const char* data, size_t size, boost::system::error_code& ec);
  void wait_writable(std::function<void(const boost::system::error_code&)> done);

  // Bytes handed to the kernel so far on this connection (for TLS, encrypted bytes, handshake
  // included). Never more than the truth: exact for TCP, and for TLS exact whenever no write is
  // in flight and the count before the current write otherwise.
  [[nodiscard]] uint64_t bytes_to_kernel() const;
  // TCP only: bytes the peer's TCP has not acknowledged yet, and the window it advertises.
  [[nodiscard]] std::optional<TcpProgress> tcp_progress() const;

  // Cancels everything; pending handlers run with operation_aborted.
  void close();

  [[nodiscard]] bool is_stream() const { return !settings_.udp; }
  [[nodiscard]] const std::string& peer() const { return peer_; }
  // The local port, for tests and logs; 0 when not connected.
  [[nodiscard]] uint16_t local_port() const;

 private:
  using tcp = boost::asio::ip::tcp;
  using udp = boost::asio::ip::udp;

  void on_resolved(const boost::system::error_code& ec, tcp::resolver::results_type results);
  void on_resolved_udp(const boost::system::error_code& ec, udp::resolver::results_type results);
  void on_connected(const boost::system::error_code& ec);
  void finish_connect(std::optional<SyslogFailure> failure);
  // The resolved endpoints the destination policy allows, in resolver order; when it allows
  // none, `refused` gets the first refusal.
  template <typename Results>
  [[nodiscard]] std::vector<typename Results::endpoint_type> allowed(const Results& results,
                                                                     std::string& refused) const;
  void write_some(const char* data, size_t size, size_t done_bytes,
                  std::function<void(const boost::system::error_code&, size_t)> done);
  [[nodiscard]] int native_fd() const;

  boost::asio::any_io_executor executor_;
  const SyslogSinkSettings& settings_;  // owned by the engine's Config, which outlives sinks
  std::string peer_;                    // "host:port", for messages
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::shared_ptr<const DestinationPolicy> destinations_;
  tcp::resolver tcp_resolver_;
  udp::resolver udp_resolver_;
  std::optional<tcp::socket> tcp_;
  std::optional<boost::asio::ssl::stream<tcp::socket>> tls_;
  std::optional<udp::socket> udp_;
  boost::asio::steady_timer deadline_;
  std::function<void(std::optional<SyslogFailure>)> connect_done_;
  bool timed_out_ = false;
  bool closed_ = false;
  uint64_t plain_bytes_written_ = 0;
  bool writing_ = false;            // TLS write in flight
  uint64_t write_start_bytes_ = 0;  // TLS: bytes_to_kernel() when it started
  char watch_buf_[512];
};

}  // namespace sluice

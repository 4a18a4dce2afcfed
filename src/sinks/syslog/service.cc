#include "sinks/syslog/service.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

namespace sluice {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

bool is_inline_pem(const std::string& s) {
  return s.find("-----BEGIN") != std::string::npos;
}

std::string ssl_reason(const boost::system::error_code& ec) {
  // Asio's message for OpenSSL errors is the library's reason string ("no such file", "key
  // values mismatch"); it never includes the PEM text.
  return ec.message();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_syslog_tls_context(const SyslogSinkSettings& s) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  // TLS 1.2 is the oldest version rsyslog, syslog-ng and hosted receivers still accept.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!s.tls_ca_cert.empty()) {
    if (is_inline_pem(s.tls_ca_cert)) {
      ctx->add_certificate_authority(asio::buffer(s.tls_ca_cert), ec);
    } else {
      ctx->load_verify_file(s.tls_ca_cert, ec);
    }
    if (ec) {
      return Error(fmt::format("tls_ca_cert {}: {}",
                               is_inline_pem(s.tls_ca_cert) ? "(inline PEM)" : s.tls_ca_cert,
                               ssl_reason(ec)));
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) return Error(fmt::format("system CA store: {}", ssl_reason(ec)));
  }
  if (!s.tls_client_cert.empty()) {
    if (is_inline_pem(s.tls_client_cert)) {
      ctx->use_certificate_chain(asio::buffer(s.tls_client_cert), ec);
    } else {
      ctx->use_certificate_chain_file(s.tls_client_cert, ec);
    }
    if (ec) {
      return Error(fmt::format(
          "tls_client_cert {}: {}",
          is_inline_pem(s.tls_client_cert) ? "(inline PEM)" : s.tls_client_cert, ssl_reason(ec)));
    }
  }
  if (!s.tls_client_key.empty()) {
    if (is_inline_pem(s.tls_client_key)) {
      ctx->use_private_key(asio::buffer(s.tls_client_key), ssl::context::pem, ec);
    } else {
      ctx->use_private_key_file(s.tls_client_key, ssl::context::pem, ec);
    }
    if (ec) {
      return Error(fmt::format("tls_client_key {}: {}",
                               is_inline_pem(s.tls_client_key) ? "(inline PEM)" : s.tls_client_key,
                               ssl_reason(ec)));
    }
  }
  return ctx;
}

std::shared_ptr<SyslogConnection> SyslogConnection::create(
    asio::any_io_executor executor, const SyslogSinkSettings& settings,
    std::shared_ptr<ssl::context> tls, std::shared_ptr<const DestinationPolicy> destinations) {
  return std::make_shared<SyslogConnection>(std::move(executor), settings, std::move(tls),
                                            std::move(destinations));
}

SyslogConnection::SyslogConnection(asio::any_io_executor executor,
                                   const SyslogSinkSettings& settings,
                                   std::shared_ptr<ssl::context> tls,
                                   std::shared_ptr<const DestinationPolicy> destinations)
    : executor_(executor),
      settings_(settings),
      peer_(fmt::format("{}:{}", settings.address, settings.port)),
      tls_context_(std::move(tls)),
      destinations_(std::move(destinations)),
      tcp_resolver_(executor),
      udp_resolver_(executor),
      deadline_(executor) {}

SyslogConnection::~SyslogConnection() {
  close();
}

void SyslogConnection::connect(std::chrono::milliseconds timeout,
                               std::function<void(std::optional<SyslogFailure>)> done) {
  connect_done_ = std::move(done);
  timed_out_ = false;
  deadline_.expires_after(timeout);
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->connect_done_) return;
    // Closing makes the pending resolve, connect or handshake complete with operation_aborted,
    // which finish_connect then reports as a timeout.
    self->timed_out_ = true;
    self->tcp_resolver_.cancel();
    self->udp_resolver_.cancel();
    boost::system::error_code ignored;
    if (self->tcp_) self->tcp_->close(ignored);
    if (self->tls_) self->tls_->next_layer().close(ignored);
    if (self->udp_) self->udp_->close(ignored);
  });
  auto port = std::to_string(settings_.port);
  if (settings_.udp) {
    udp_resolver_.async_resolve(settings_.address, port, udp::resolver::numeric_service,
                                [self = shared_from_this()](const boost::system::error_code& ec,
                                                            udp::resolver::results_type r) {
                                  self->on_resolved_udp(ec, std::move(r));
                                });
  } else {
    tcp_resolver_.async_resolve(settings_.address, port, tcp::resolver::numeric_service,
                                [self = shared_from_this()](const boost::system::error_code& ec,
                                                            tcp::resolver::results_type r) {
                                  self->on_resolved(ec, std::move(r));
                                });
  }
}

template <typename Results>
std::vector<typename Results::endpoint_type> SyslogConnection::allowed(const Results& results,
                                                                       std::string& refused) const {
  std::vector<typename Results::endpoint_type> out;
  for (const auto& entry : results) {
    const auto& endpoint = entry.endpoint();
    Status st =
        destinations_ ? destinations_->check(endpoint.address(), endpoint.port()) : Status();
    if (st) {
      out.push_back(endpoint);
    } else if (refused.empty()) {
      refused = st.error().message();
    }
  }
  return out;
}

void SyslogConnection::on_resolved(const boost::system::error_code& ec,
                                   tcp::resolver::results_type results) {
  if (ec || closed_) {
    finish_connect(SyslogFailure{ec ? ec : asio::error::operation_aborted,
                                 timed_out_ ? SyslogPhase::kTimeout : SyslogPhase::kResolve});
    return;
  }
  // Checked on the addresses the name resolved to now, the ones connect will use: a check on
  // the name, or on an earlier answer, would let DNS rebinding through.
  std::string refused;
  std::vector<tcp::endpoint> endpoints = allowed(results, refused);
  if (endpoints.empty()) {
    finish_connect(SyslogFailure{asio::error::access_denied, SyslogPhase::kConnect, 0,
                                 refused.empty() ? "the name resolved to no address" : refused});
    return;
  }
  tcp::socket* sock;
  if (tls_context_) {
    tls_.emplace(executor_, *tls_context_);
    SSL* ssl_handle = tls_->native_handle();
    // Verify the certificate against tls_hostname with OpenSSL's own matcher, so that a
    // mismatch shows up as X509_V_ERR_HOSTNAME_MISMATCH in the verification result.
    boost::system::error_code addr_ec;
    auto addr = asio::ip::make_address(settings_.tls_hostname, addr_ec);
    if (!addr_ec) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), settings_.tls_hostname.c_str());
      (void)addr;
    } else {
      SSL_set1_host(ssl_handle, settings_.tls_hostname.c_str());
      // SNI is for names only (RFC 6066 forbids IP literals).
      SSL_set_tlsext_host_name(ssl_handle, settings_.tls_hostname.c_str());
    }
    sock = &tls_->next_layer();
  } else {
    tcp_.emplace(executor_);
    sock = &*tcp_;
  }
  asio::async_connect(
      *sock, endpoints,
      [self = shared_from_this()](const boost::system::error_code& cec, const tcp::endpoint&) {
        self->on_connected(cec);
      });
}

void SyslogConnection::on_resolved_udp(const boost::system::error_code& ec,
                                       udp::resolver::results_type results) {
  if (ec || closed_ || results.empty()) {
    boost::system::error_code why = ec;
    if (!why) {
      why = closed_ ? boost::system::error_code(asio::error::operation_aborted)
                    : boost::system::error_code(asio::error::host_not_found);
    }
    finish_connect(SyslogFailure{why, timed_out_ ? SyslogPhase::kTimeout : SyslogPhase::kResolve});
    return;
  }
  std::string refused;
  std::vector<udp::endpoint> endpoints = allowed(results, refused);
  if (endpoints.empty()) {
    finish_connect(SyslogFailure{asio::error::access_denied, SyslogPhase::kConnect, 0, refused});
    return;
  }
  // A connected UDP socket: sends need no address, and an ICMP port-unreachable comes back as
  // ECONNREFUSED on a later send instead of vanishing.
  udp_.emplace(executor_);
  boost::system::error_code cec;
  auto endpoint = endpoints.front();
  udp_->open(endpoint.protocol(), cec);
  if (!cec) udp_->non_blocking(true, cec);
  if (!cec) udp_->connect(endpoint, cec);
  finish_connect(cec ? std::optional(SyslogFailure{cec, SyslogPhase::kConnect}) : std::nullopt);
}

void SyslogConnection::on_connected(const boost::system::error_code& ec) {
  if (ec || closed_) {
    finish_connect(SyslogFailure{ec ? ec : asio::error::operation_aborted,
                                 timed_out_ ? SyslogPhase::kTimeout : SyslogPhase::kConnect});
    return;
  }
  // Keepalive finds a receiver host that vanished while the connection was idle: the pending
  // watch() read then fails. Probing after a minute keeps that within a few minutes instead of the
  // kernel's two hours.
  int fd = native_fd();
  int on = 1, idle = 60, interval = 10, count = 6;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  if (!tls_) {
    finish_connect(std::nullopt);
    return;
  }
  tls_->async_handshake(
      ssl::stream_base::client, [self = shared_from_this()](const boost::system::error_code& hec) {
        if (!hec && !self->closed_) {
          self->finish_connect(std::nullopt);
          return;
        }
        long verify = X509_V_OK;
        if (self->tls_) verify = SSL_get_verify_result(self->tls_->native_handle());
        self->finish_connect(SyslogFailure{
            hec ? hec : asio::error::operation_aborted,
            self->timed_out_ ? SyslogPhase::kTimeout : SyslogPhase::kHandshake, verify});
      });
}

void SyslogConnection::finish_connect(std::optional<SyslogFailure> failure) {
  deadline_.cancel();
  auto done = std::move(connect_done_);
  connect_done_ = nullptr;
  if (done) done(std::move(failure));
}

void SyslogConnection::write(const char* data, size_t size,
                             std::function<void(const boost::system::error_code&, size_t)> done) {
  if (tls_) {
    // Remember the count before this write: until it completes, OpenSSL's counter includes
    // ciphertext that may not have reached the kernel yet.
    write_start_bytes_ = bytes_to_kernel();
    writing_ = true;
    asio::async_write(*tls_, asio::buffer(data, size),
                      [self = shared_from_this(), done = std::move(done)](
                          const boost::system::error_code& ec, size_t n) {
                        self->writing_ = false;
                        done(ec, n);
                      });
  } else if (tcp_) {
    write_some(data, size, 0, std::move(done));
  } else {
    asio::post(executor_, [done = std::move(done)] { done(asio::error::not_connected, 0); });
  }
}

// Plain TCP writes in a loop of its own instead of asio::async_write, so that the count of bytes
// in the kernel is exact after every partial write: a receiver that reads slowly leaves a big
// write half done for a long time, and the lines in the done half can be acknowledged meanwhile.
void SyslogConnection::write_some(
    const char* data, size_t size, size_t done_bytes,
    std::function<void(const boost::system::error_code&, size_t)> done) {
  tcp_->async_write_some(
      asio::buffer(data + done_bytes, size - done_bytes),
      [self = shared_from_this(), data, size, done_bytes, done = std::move(done)](
          const boost::system::error_code& ec, size_t n) mutable {
        self->plain_bytes_written_ += n;
        done_bytes += n;
        if (ec || done_bytes == size || self->closed_) {
          boost::system::error_code result = ec;
          if (!result && done_bytes < size) result = asio::error::operation_aborted;
          done(result, done_bytes);
          return;
        }
        self->write_some(data, size, done_bytes, std::move(done));
      });
}

void SyslogConnection::watch(std::function<void(const SyslogFailure&)> done) {
  auto handler = [self = shared_from_this(), done = std::move(done)](
                     const boost::system::error_code& ec, size_t) mutable {
    if (!ec && !self->closed_) {
      // A receiver that talks (some send a banner or an error text) is still alive: keep
      // listening. The bytes mean nothing to syslog.
      self->watch(std::move(done));
      return;
    }
    long verify = X509_V_OK;
    if (self->tls_) verify = SSL_get_verify_result(self->tls_->native_handle());
    done(SyslogFailure{ec ? ec : asio::error::operation_aborted, SyslogPhase::kRead, verify});
  };
  if (tls_) {
    tls_->async_read_some(asio::buffer(watch_buf_), std::move(handler));
  } else if (tcp_) {
    tcp_->async_read_some(asio::buffer(watch_buf_), std::move(handler));
  }
}

bool SyslogConnection::send_datagram(const char* data, size_t size, boost::system::error_code& ec) {
  if (!udp_) {
    ec = asio::error::not_connected;
    return false;
  }
  udp_->send(asio::buffer(data, size), 0, ec);
  return !ec;
}

void SyslogConnection::wait_writable(std::function<void(const boost::system::error_code&)> done) {
  if (!udp_) {
    asio::post(executor_, [done = std::move(done)] { done(asio::error::not_connected); });
    return;
  }
  udp_->async_wait(udp::socket::wait_write, [self = shared_from_this(), done = std::move(done)](
                                                const boost::system::error_code& ec) { done(ec); });
}

uint64_t SyslogConnection::bytes_to_kernel() const {
  if (tls_) {
    if (writing_) return write_start_bytes_;
    // Asio's TLS engine writes ciphertext into a BIO pair and copies it to the socket; once the
    // write op completes, everything the SSL object wrote into its BIO is in the kernel.
    BIO* wbio = SSL_get_wbio(const_cast<SyslogConnection*>(this)->tls_->native_handle());
    return wbio ? BIO_number_written(wbio) : 0;
  }
  return plain_bytes_written_;
}

std::optional<TcpProgress> SyslogConnection::tcp_progress() const {
  if (udp_) return std::nullopt;
  return read_tcp_progress(native_fd());
}

int SyslogConnection::native_fd() const {
  auto* self = const_cast<SyslogConnection*>(this);
  if (tcp_ && tcp_->is_open()) return self->tcp_->native_handle();
  if (tls_ && tls_->next_layer().is_open()) return self->tls_->next_layer().native_handle();
  if (udp_ && udp_->is_open()) return self->udp_->native_handle();
  return -1;
}

uint16_t SyslogConnection::local_port() const {
  boost::system::error_code ec;
  if (tcp_) return tcp_->local_endpoint(ec).port();
  if (tls_) return tls_->next_layer().local_endpoint(ec).port();
  if (udp_) return udp_->local_endpoint(ec).port();
  return 0;
}

void SyslogConnection::close() {
  closed_ = true;
  deadline_.cancel();
  tcp_resolver_.cancel();
  udp_resolver_.cancel();
  boost::system::error_code ignored;
  // No TLS close_notify: it needs a round trip the receiver may never answer, and syslog
  // receivers treat the TCP close as the end of the stream anyway.
  if (tcp_) tcp_->close(ignored);
  if (tls_) tls_->next_layer().close(ignored);
  if (udp_) udp_->close(ignored);
}

}  // namespace sluice

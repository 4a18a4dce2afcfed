#include "sinks/syslog/retry_logic.h"

#include <algorithm>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace sluice {
namespace {

// TLS alerts that mean the other side rejected our certificate, or that no certificate
// exchange can succeed. With TLS 1.3 the server checks the client certificate after the client
// considers the handshake done, so these can arrive on the first read as well.
bool is_certificate_alert(int reason) {
  switch (reason) {
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string_view phase_name(SyslogPhase phase) {
  switch (phase) {
    case SyslogPhase::kResolve:
      return "resolve";
    case SyslogPhase::kConnect:
      return "connect";
    case SyslogPhase::kHandshake:
      return "tls handshake";
    case SyslogPhase::kWrite:
      return "write";
    case SyslogPhase::kRead:
      return "connection";
    case SyslogPhase::kTimeout:
      return "timeout";
  }
  return "?";
}

SyslogVerdict classify_syslog_error(const boost::system::error_code& ec, SyslogPhase phase,
                                    std::string_view peer, long verify_result) {
  namespace error = boost::asio::error;
  SyslogVerdict v;
  std::string reason = ec.message();

  if (ec.category() == error::get_ssl_category()) {
    int r = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (verify_result != X509_V_OK) {
      // The alert says only "certificate verify failed"; the verification result says why
      // (self-signed, hostname mismatch, expired...).
      reason = fmt::format("certificate verification failed: {}",
                           X509_verify_cert_error_string(verify_result));
      v.error_class = ErrorClass::kConfiguration;
    } else if (is_certificate_alert(r) || phase == SyslogPhase::kHandshake) {
      // Handshake failures (no shared protocol or cipher, a plain-text peer that answers
      // "wrong version number", rejected client certificate) repeat until someone changes a
      // configuration.
      v.error_class = ErrorClass::kConfiguration;
    }
  } else if (ec == error::host_not_found || ec == error::no_data) {
    // An authoritative "no such name": a typo in `address`, not a transient DNS failure.
    v.error_class = ErrorClass::kConfiguration;
  } else if (phase == SyslogPhase::kRead && (ec == error::eof)) {
    reason = "closed by the receiver";
  }
  // Everything else: refused, reset, aborted, unreachable, timed out, broken pipe, stream
  // truncated, try-again DNS answers. These are what a restarting or overloaded receiver looks
  // like, and retrying is the fix.
  if (phase == SyslogPhase::kTimeout) reason = "no progress within the timeout";
  v.message = fmt::format("{} {}: {}", phase_name(phase), peer, reason);
  return v;
}

}  // namespace sluice

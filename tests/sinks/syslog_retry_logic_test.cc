#include "sinks/syslog/retry_logic.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace sluice {
namespace {

namespace asio_error = boost::asio::error;
using boost::system::error_code;

error_code ssl_error(int reason) {
  return error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
                    asio_error::get_ssl_category());
}

TEST(SyslogRetryLogic, TransportFailuresAreRetryable) {
  for (error_code ec :
       {error_code(asio_error::connection_refused), error_code(asio_error::connection_reset),
        error_code(asio_error::connection_aborted), error_code(asio_error::broken_pipe),
        error_code(asio_error::timed_out), error_code(asio_error::network_unreachable),
        error_code(asio_error::host_not_found_try_again)}) {
    for (auto phase : {SyslogPhase::kConnect, SyslogPhase::kWrite, SyslogPhase::kRead}) {
      SyslogVerdict v = classify_syslog_error(ec, phase, "127.0.0.1:514");
      EXPECT_EQ(v.error_class, ErrorClass::kRetryable) << ec.message();
      EXPECT_NE(v.message.find("127.0.0.1:514"), std::string::npos) << v.message;
    }
  }
}

TEST(SyslogRetryLogic, RefusedConnectionSaysSo) {
  SyslogVerdict v = classify_syslog_error(asio_error::connection_refused, SyslogPhase::kConnect,
                                          "127.0.0.1:5514");
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
  EXPECT_EQ(v.message, "connect 127.0.0.1:5514: Connection refused");
}

TEST(SyslogRetryLogic, PeerCloseIsRetryable) {
  SyslogVerdict v = classify_syslog_error(asio_error::eof, SyslogPhase::kRead, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
  EXPECT_EQ(v.message, "connection h:1: closed by the receiver");
  v = classify_syslog_error(boost::asio::ssl::error::stream_truncated, SyslogPhase::kRead, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
}

TEST(SyslogRetryLogic, TimeoutIsRetryable) {
  SyslogVerdict v =
      classify_syslog_error(asio_error::operation_aborted, SyslogPhase::kTimeout, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
  EXPECT_NE(v.message.find("timeout"), std::string::npos);
}

TEST(SyslogRetryLogic, UnknownHostIsConfiguration) {
  SyslogVerdict v = classify_syslog_error(asio_error::host_not_found, SyslogPhase::kResolve,
                                          "nosuch.invalid:514");
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
}

TEST(SyslogRetryLogic, CertificateVerificationFailureIsConfigurationWithTheReason) {
  SyslogVerdict v =
      classify_syslog_error(ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED), SyslogPhase::kHandshake,
                            "127.0.0.1:6514", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
  EXPECT_NE(v.message.find("self-signed"), std::string::npos) << v.message;

  v = classify_syslog_error(ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED), SyslogPhase::kHandshake,
                            "127.0.0.1:6514", X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
  EXPECT_NE(v.message.find("ostname mismatch"), std::string::npos) << v.message;
}

TEST(SyslogRetryLogic, HandshakeProtocolErrorsAreConfiguration) {
  // A plain-text receiver on a TLS endpoint answers garbage: "wrong version number".
  SyslogVerdict v =
      classify_syslog_error(ssl_error(SSL_R_WRONG_VERSION_NUMBER), SyslogPhase::kHandshake, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
}

TEST(SyslogRetryLogic, RejectedClientCertificateIsConfigurationEvenAfterHandshake) {
  // TLS 1.3: the server's verdict on our certificate arrives on the first read.
  SyslogVerdict v = classify_syslog_error(ssl_error(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED),
                                          SyslogPhase::kRead, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
  v = classify_syslog_error(ssl_error(SSL_R_TLSV1_ALERT_UNKNOWN_CA), SyslogPhase::kRead, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);
  // Other TLS errors mid-stream (corruption) are worth a reconnect.
  v = classify_syslog_error(ssl_error(SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC),
                            SyslogPhase::kRead, "h:1");
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
}

TEST(SyslogBackoff, FullJitterUnderADoublingCeilingUpToTheCap) {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(100), milliseconds(1000), 42);
  int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t ceiling : ceilings) {
    for (int i = 0; i < 1; ++i) {
      auto d = b.next();
      EXPECT_GE(d.count(), 0);
      EXPECT_LE(d.count(), ceiling);
    }
  }
  EXPECT_EQ(b.slow(), milliseconds(1000));
  b.reset();
  EXPECT_EQ(b.attempt(), 0u);
  EXPECT_LE(b.next().count(), 100);
}

TEST(SyslogBackoff, DelaysAreSpreadNotConstant) {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(1000), milliseconds(1000), 7);
  int64_t min = 1000, max = 0;
  for (int i = 0; i < 200; ++i) {
    int64_t d = b.next().count();
    min = std::min(min, d);
    max = std::max(max, d);
  }
  EXPECT_LT(min, 200);
  EXPECT_GT(max, 800);
}

TEST(SyslogBackoff, LongRunsDoNotOverflow) {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(100), milliseconds(30000), 1);
  for (int i = 0; i < 10000; ++i) {
    auto d = b.next();
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 30000);
  }
}

}  // namespace
}  // namespace sluice

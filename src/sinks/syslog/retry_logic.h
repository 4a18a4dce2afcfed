#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "core/backoff.h"
#include "topology/endpoint_counters.h"

namespace sluice {

// Where in a connection's life an error happened. The same error code can mean different things:
// end of stream while connecting is a flaky peer, but a TLS alert during the handshake is a
// certificate problem that retrying will not fix.
enum class SyslogPhase : uint8_t { kResolve, kConnect, kHandshake, kWrite, kRead, kTimeout };

[[nodiscard]] std::string_view phase_name(SyslogPhase phase);

// What to do about a failed connection (Vector's retry logic for a stream sink: a syslog receiver
// never answers, so the only "response" is the transport's error).
struct SyslogVerdict {
  // kRetryable: reconnect with backoff. kConfiguration: the endpoint is misconfigured (its
  // certificate does not verify, the host does not exist): report it as an error and keep trying
  // slowly, since the operator may fix the other side without touching sluice. Syslog has no
  // per-message rejection, so kPermanent is never returned.
  ErrorClass error_class = ErrorClass::kRetryable;
  // For /status and the error stream. Names the peer and the reason; never the token or keys.
  std::string message;
};

// Sorts an error. `verify_result` is the X.509 verification result of the TLS session
// (X509_V_OK when there is none), which explains a handshake failure better than the alert.
[[nodiscard]] SyslogVerdict classify_syslog_error(const boost::system::error_code& ec,
                                                  SyslogPhase phase, std::string_view peer,
                                                  long verify_result = 0);

}  // namespace sluice

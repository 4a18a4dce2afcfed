#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "route/endpoint_state.h"

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

// Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
// Jitter"): the n-th delay is uniform in [0, min(cap, base * 2^n)]. Full jitter spreads out the
// reconnects of many endpoints after a shared receiver restarts.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed);

  // The delay before the next attempt; each call doubles the ceiling up to the cap.
  [[nodiscard]] std::chrono::milliseconds next();
  // The cap itself, for configuration errors: retry slowly, without jitter towards zero.
  [[nodiscard]] std::chrono::milliseconds slow() const { return cap_; }
  // A connection proved healthy: start again from the base.
  void reset() { attempt_ = 0; }
  [[nodiscard]] uint32_t attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_, cap_;
  uint32_t attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace sluice

#pragma once

#include <chrono>
#include <string_view>

#include "config/config.h"
#include "core/value.h"

namespace sluice {

// Appends one message framed per message_type (DESIGN "Framing per endpoint"):
//   classic  <134>Nov 21 08:00:00 HOST ENDPOINT: LINE          (RFC 3164)
//   loggly   <134>1 2026-11-21T08:00:00.000Z HOST ENDPOINT - - - LINE   (RFC 5424)
//   logplex  LEN <134>1 2026-11-21T08:00:00.000Z HOST ENDPOINT - - - LINE  (length-prefixed)
//   blank    LINE
// 134 is facility local0, severity info. A token, when set, is written with a space before the
// line, after any header, so that the syslog header stays parseable. No trailing newline: the
// transport adds its own framing.
void append_framed(LineBuffer& out, MessageType type, std::string_view hostname,
                   std::string_view endpoint, std::string_view token, std::string_view line,
                   std::chrono::system_clock::time_point now);

}  // namespace sluice

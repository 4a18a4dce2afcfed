#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// The parts of one syslog message (RFC 3164 or RFC 5424). Views point into the frame that was
// parsed; a field the message does not carry is empty (a 5424 NILVALUE "-" is empty too).
struct SyslogMessage {
  enum class Format : uint8_t {
    kNone,     // no syslog header: the whole frame is the payload
    kRfc3164,  // <PRI>[TIMESTAMP ][HOSTNAME ][TAG[PID]: ]MSG, each part optional after PRI
    kRfc5424,  // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
  };
  Format format = Format::kNone;
  int pri = -1;  // -1 when there is no header
  std::string_view timestamp;
  std::string_view hostname;
  std::string_view app_name;  // 3164: the TAG
  std::string_view procid;    // 3164: the PID in TAG[PID]
  std::string_view msgid;
  std::string_view structured_data;  // 5424 only, with its brackets
  std::string_view payload;          // what sluice routes: MSG, without a 5424 BOM

  [[nodiscard]] int facility() const { return pri < 0 ? -1 : pri / 8; }
  [[nodiscard]] int severity() const { return pri < 0 ? -1 : pri % 8; }
};

// Parses a frame (one message, without its framing: no trailing LF, no octet count).
//
// It never fails: syslog senders vary, and a message must not be lost because its header is
// odd. A frame that does not start with a valid <PRI> has no header and is all payload. After
// a valid PRI, the parser takes the 5424 header when the version "1 " follows, else it takes
// the 3164 parts that are present. A 5424 message whose header is cut short or whose
// structured data is malformed keeps everything after the last good field as the payload.
[[nodiscard]] SyslogMessage parse_syslog_message(std::string_view frame);

}  // namespace sluice

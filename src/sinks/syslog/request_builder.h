#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/value.h"
#include "queue/line_batch.h"

namespace sluice {

// How an endpoint's lines become syslog messages: the message_type header, the token, and the
// transport framing that separates messages on a stream.
struct SyslogFraming {
  MessageType message_type = MessageType::kClassic;
  std::string hostname;         // this machine, for the header
  std::string endpoint;         // the endpoint's name: the tag / APP-NAME
  std::string token;            // prefixed to every line when not empty
  bool octet_counting = false;  // RFC 6587 "LEN SP MSG" instead of "MSG LF"
};

// The largest UDP payload over IPv4 (65535 minus the IP and UDP headers). A datagram cannot be
// split, so longer messages are cut to this.
inline constexpr size_t kMaxSyslogDatagramBytes = 65507;

// Turns a batch of lines into bytes for the wire (the request_builder of Vector's sink split).
// Stateless apart from a scratch buffer, so one instance serves one sink on one thread.
class SyslogRequestBuilder {
 public:
  explicit SyslogRequestBuilder(SyslogFraming framing) : framing_(std::move(framing)) {}

  // Appends every line of `batch` as one framed message each, for a TCP or TLS stream: LF after
  // each message, or an octet count before it. Lines never contain '\n' (the line rules cut
  // them), so LF framing is unambiguous.
  void append_stream(const LineBatch& batch, std::chrono::system_clock::time_point now,
                     LineBuffer& out);

  // Replaces `out` with one datagram: the framed line, without transport framing (RFC 5426).
  // Returns true when the line had to be shortened to fit kMaxSyslogDatagramBytes.
  [[nodiscard]] bool build_datagram(std::string_view line,
                                    std::chrono::system_clock::time_point now,
                                    LineBuffer& out) const;

  [[nodiscard]] const SyslogFraming& framing() const { return framing_; }

 private:
  void frame(std::string_view line, std::chrono::system_clock::time_point now,
             LineBuffer& out) const;

  SyslogFraming framing_;
  LineBuffer scratch_;
};

}  // namespace sluice

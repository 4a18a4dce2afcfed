#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "sinks/sink.h"

namespace sluice {

// Timing and sizing of the syslog sink. The defaults are what the engine uses; tests shorten
// them.
struct SyslogSinkOptions {
  // At-least-once over TCP, which has no application-level ack: a line is acknowledged to the
  // queue only after the receiver's kernel has acknowledged its bytes AND the connection has then
  // stayed up for `ack_hold` (see the comment at the top of sink.cc).
  std::chrono::milliseconds ack_hold{1000};
  // How often the resend window is checked against the kernel's send queue, and how often the
  // queue is polled in case a data callback was missed.
  std::chrono::milliseconds tick{100};
  std::chrono::milliseconds connect_timeout{10000};
  // A write during which no byte moves (into the kernel, or acknowledged by the peer) for this
  // long means a stuck receiver or a dead path: reconnect. Checked every tick.
  std::chrono::milliseconds write_timeout{60000};
  std::chrono::milliseconds initial_backoff{100};
  // Lines and bytes taken from the queue per write (per burst of datagrams over UDP).
  size_t take_max_lines = 4096;
  size_t take_max_bytes = 512 * 1024;
  // The most bytes of lines held in the resend window; 0 = the endpoint's queue_max_bytes.
  size_t window_max_bytes = 0;
  uint64_t jitter_seed = 0;  // 0 = random
};

// The syslog endpoint type: TCP (LF or octet-counting framing), TLS, or UDP. Runs on ctx.io;
// the endpoint's settings must be SyslogSinkSettings. ctx.endpoint and ctx.io outlive the sink.
[[nodiscard]] std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx);
[[nodiscard]] std::unique_ptr<Sink> make_syslog_sink(SinkContext& ctx,
                                                     const SyslogSinkOptions& options);

}  // namespace sluice

#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/result.h"
#include "sources/source.h"

namespace sluice {

namespace syslog_detail {
struct Shared;
class TcpListener;
class UdpReceiver;
}  // namespace syslog_detail

// The syslog source: TCP (LF framing or RFC 6587 octet counting, detected per connection),
// TLS (the same framing inside TLS) or UDP (one datagram, one message). Each connection, and
// the UDP socket, has its own IngestSession on its own strand.
//
// Backpressure: after each read the session is flushed; while a queue with when_full = block
// is full, a TCP or TLS connection stops reading (the sender's window closes) and retries the
// flush on a short timer. UDP cannot push back: it keeps reading while the lines held back stay
// under a bound, then pauses and leaves datagrams to the kernel's receive buffer; what the
// kernel drops then is counted (SO_RXQ_OVFL) and reported.
class SyslogSource final : public Source {
 public:
  // `ctx.config`, `ctx.routes`, `ctx.counters` and `ctx.io` must outlive the source.
  explicit SyslogSource(const SourceContext& ctx);
  ~SyslogSource() override;

  [[nodiscard]] Status start() override;
  void stop() override;
  [[nodiscard]] std::string describe() const override;

  // The bound port (useful with port 0); 0 before start().
  [[nodiscard]] uint16_t port() const { return port_; }
  // Datagrams the kernel dropped because the receive buffer was full (UDP only).
  [[nodiscard]] uint64_t kernel_drops() const;

 private:
  void name_bound_port();

  SourceContext ctx_;
  std::shared_ptr<syslog_detail::Shared> shared_;
  std::shared_ptr<syslog_detail::TcpListener> listener_;
  std::shared_ptr<syslog_detail::UdpReceiver> udp_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace sluice

#pragma once

#include <cstdint>
#include <optional>

namespace sluice {

// What the kernel knows about the progress of bytes sent on a TCP socket. In its own file because
// it needs <linux/tcp.h>, whose newer struct tcp_info clashes with glibc's <netinet/tcp.h> that
// Asio includes.
struct TcpProgress {
  uint64_t unacked_bytes = 0;  // SIOCOUTQ: written by us, not yet acknowledged by the peer's TCP
  // The window the peer advertises (free room in its receive buffer), when the kernel reports it
  // (tcpi_snd_wnd, Linux 5.4+).
  std::optional<uint32_t> peer_window;
};

[[nodiscard]] std::optional<TcpProgress> read_tcp_progress(int fd);

}  // namespace sluice

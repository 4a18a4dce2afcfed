#include "sinks/syslog/tcp_info.h"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>

namespace sluice {

std::optional<TcpProgress> read_tcp_progress(int fd) {
  if (fd < 0) return std::nullopt;
  int outq = 0;
  if (::ioctl(fd, SIOCOUTQ, &outq) != 0 || outq < 0) return std::nullopt;
  TcpProgress p;
  p.unacked_bytes = uint64_t(outq);
  tcp_info info;
  std::memset(&info, 0, sizeof info);
  socklen_t len = sizeof info;
  // Older kernels fill a shorter struct; the field is only valid when the kernel wrote it.
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
      len >= offsetof(tcp_info, tcpi_snd_wnd) + sizeof info.tcpi_snd_wnd) {
    p.peer_window = info.tcpi_snd_wnd;
  }
  return p;
}

}  // namespace sluice

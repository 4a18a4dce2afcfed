#include "net/ip_network.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace sluice {
namespace {

// The network's bytes: IPv4 as 4, IPv6 as 16.
template <size_t N>
bool prefix_matches(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                    unsigned prefix) {
  unsigned full = prefix / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (a[i] != b[i]) return false;
  }
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

template <size_t N>
std::array<unsigned char, N> masked(std::array<unsigned char, N> bytes, unsigned prefix) {
  for (unsigned i = 0; i < N; ++i) {
    unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
    bytes[i] &= static_cast<unsigned char>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return bytes;
}

}  // namespace

boost::asio::ip::address unmapped(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<SocketAddress> from_sockaddr(const sockaddr* sa, size_t length) {
  // Copied out, as the caller's buffer need not be aligned for the larger structures.
  if (sa->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, sa, sizeof sin);
    return SocketAddress{boost::asio::ip::address_v4(ntohl(sin.sin_addr.s_addr)),
                         ntohs(sin.sin_port)};
  }
  if (sa->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof sin6);
    boost::asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), sin6.sin6_addr.s6_addr, bytes.size());
    return SocketAddress{boost::asio::ip::address_v6(bytes, sin6.sin6_scope_id),
                         ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

Result<IpNetwork> IpNetwork::parse(std::string_view text) {
  std::string_view host = text;
  std::string_view bits;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    host = text.substr(0, slash);
    bits = text.substr(slash + 1);
  }
  boost::system::error_code ec;
  auto base = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("\"{}\" is not a network: \"{}\" is not an IP address (write "
                             "10.0.0.0/8, fe80::/10 or one address)",
                             text, host));
  }
  const unsigned max = base.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (!bits.empty() || text.find('/') != std::string_view::npos) {
    auto [end, err] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (err != std::errc() || end != bits.data() + bits.size() || bits.empty() || prefix > max) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("\"{}\" is not a network: the prefix length must be 0-{}", text, max));
    }
  }
  // ::ffff:a.b.c.d/N is the IPv4 network a.b.c.d/(N-96): contains() compares IPv4 with it.
  if (base.is_v6() && base.to_v6().is_v4_mapped() && prefix >= 96) {
    base = unmapped(base);
    prefix -= 96;
  }
  IpNetwork n{base, prefix};
  IpNetwork canonical = n;
  if (base.is_v4()) {
    canonical.base = boost::asio::ip::address_v4(masked(base.to_v4().to_bytes(), prefix));
  } else {
    canonical.base = boost::asio::ip::address_v6(masked(base.to_v6().to_bytes(), prefix));
  }
  if (canonical.base != n.base) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("\"{}\" is not a network: it has bits set past the prefix length "
                             "(did you mean {}?)",
                             text, canonical.to_string()));
  }
  return n;
}

bool IpNetwork::contains(const boost::asio::ip::address& address) const {
  const boost::asio::ip::address a = unmapped(address);
  if (a.is_v4() != base.is_v4()) return false;
  if (a.is_v4()) return prefix_matches(a.to_v4().to_bytes(), base.to_v4().to_bytes(), prefix);
  return prefix_matches(a.to_v6().to_bytes(), base.to_v6().to_bytes(), prefix);
}

std::string IpNetwork::to_string() const {
  return fmt::format("{}/{}", base.to_string(), prefix);
}

}  // namespace sluice

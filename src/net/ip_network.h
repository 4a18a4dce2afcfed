#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>

#include "core/result.h"

namespace sluice {

// An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "fe80::/10"), or one address ("::1"
// is "::1/128"), as the [security] destination policy lists them.
struct IpNetwork {
  boost::asio::ip::address base;  // the host bits are zero
  unsigned prefix = 0;            // 0-32 for IPv4, 0-128 for IPv6

  // The error names the text and the reason; a base with host bits set is refused with the
  // network it probably meant ("10.1.2.3/8: did you mean 10.0.0.0/8?") rather than widened
  // silently.
  [[nodiscard]] static Result<IpNetwork> parse(std::string_view text);

  // Whether `address` lies in the network. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the
  // IPv4 address it carries: the kernel connects to that, so it must match the IPv4 networks.
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;

  [[nodiscard]] std::string to_string() const;
};

// An IPv4 or IPv6 socket address (a sockaddr_in or sockaddr_in6 of `length` bytes) as an address
// and a port; nullopt for any other family or a short length.
struct SocketAddress {
  boost::asio::ip::address address;
  uint16_t port = 0;
};
[[nodiscard]] std::optional<SocketAddress> from_sockaddr(const sockaddr* sa, size_t length);

// `address` with an IPv4-mapped IPv6 address turned into its IPv4 address.
[[nodiscard]] boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

}  // namespace sluice

#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace sluice {

// The remote end of a connected socket for log lines: "192.0.2.7:51234", "[2001:db8::1]:443",
// or "?" when the socket is no longer connected.
[[nodiscard]] std::string peer_string(const boost::asio::ip::tcp::socket& socket);

}  // namespace sluice

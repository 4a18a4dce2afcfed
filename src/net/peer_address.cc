#include "net/peer_address.h"

#include <fmt/format.h>

namespace sluice {

std::string peer_string(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  std::string address = endpoint.address().to_string(ec);
  return endpoint.address().is_v6() ? fmt::format("[{}]:{}", address, endpoint.port())
                                    : fmt::format("{}:{}", address, endpoint.port());
}

}  // namespace sluice

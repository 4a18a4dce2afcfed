#include "net/listen_address.h"

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sluice {

Result<boost::asio::ip::address> resolve_listen_host(const ListenAddress& listen) {
  boost::system::error_code ec;
  std::string host = listen.host.empty() ? "0.0.0.0" : listen.host;
  boost::asio::ip::address address = boost::asio::ip::make_address(host, ec);
  if (!ec) return address;
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return Error(fmt::format("cannot listen on {}: cannot resolve \"{}\": {}", listen.to_string(),
                             host, ec ? ec.message() : "no addresses"));
  }
  return results.begin()->endpoint().address();
}

}  // namespace sluice

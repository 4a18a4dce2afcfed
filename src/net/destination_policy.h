#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "config/config.h"
#include "core/result.h"
#include "net/ip_network.h"

namespace sluice {

// One of sluice's own listening sockets: a destination there would send sluice's logs back into
// itself, or let an endpoint's URL reach the API.
struct OwnListener {
  boost::asio::ip::address address;  // the bound address; unspecified (0.0.0.0, ::) for any
  uint16_t port = 0;
  std::string what;  // "the API", "source #2 (http)"
};

// Which addresses sinks may connect to (the [security] table): the defence against an endpoint
// configuration, from a file or the API, that points sluice at a cloud metadata service or an
// internal address and reads the answer back through /status.
//
// The rules are networks marked allow or deny. The most specific network that contains an
// address decides; among equally specific ones a configured deny beats a configured allow,
// which beats a built-in deny. An address no rule covers is allowed. So `deny_networks =
// ["10.0.0.0/8"]` with `allow_networks = ["10.1.2.3"]` allows that one host, `deny_networks =
// ["0.0.0.0/0", "::/0"]` turns the policy into an allow list, and listing a built-in network
// (or a part of it) in allow_networks lifts that default.
//
// sluice's own listeners are refused whatever the rules say.
//
// Callers check the address they are about to connect to, after resolution and for each
// address tried, so that a name whose answer changes (DNS rebinding) cannot slip past a check
// made on the name.
class DestinationPolicy {
 public:
  // The built-in rules only (and no own listeners): what tests and tools get.
  DestinationPolicy();

  // The configured rules on top of the built-in ones. `local_addresses` are this machine's
  // addresses (this_host_addresses()), which a listener on 0.0.0.0 or :: answers on. The error
  // names the list entry that does not parse.
  [[nodiscard]] static Result<DestinationPolicy> create(
      const SecurityConfig& config, std::vector<OwnListener> own,
      std::vector<boost::asio::ip::address> local_addresses);

  // Ok, or an error that names the destination, the rule that refuses it and how to lift it.
  [[nodiscard]] Status check(const boost::asio::ip::address& address, uint16_t port) const;

  // The built-in deny rules as "network: why" lines, for docs and `sluice check`.
  [[nodiscard]] static std::vector<std::string> builtin_rules();

 private:
  enum class Origin : uint8_t { kBuiltin, kConfiguredAllow, kConfiguredDeny };
  struct Rule {
    IpNetwork network;
    Origin origin;
    std::string why;  // built-in rules say what lives there
  };

  [[nodiscard]] const OwnListener* own_listener(const boost::asio::ip::address& address,
                                                uint16_t port) const;

  std::vector<Rule> rules_;
  std::vector<OwnListener> own_;
  std::vector<boost::asio::ip::address> local_;
};

// The addresses of this machine's interfaces (getifaddrs), loopback included. Empty if they
// cannot be listed; the policy then still knows loopback and the unspecified addresses.
[[nodiscard]] std::vector<boost::asio::ip::address> this_host_addresses();

}  // namespace sluice

#include "net/destination_policy.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

#include <fmt/format.h>

namespace sluice {
namespace {

struct BuiltinRule {
  const char* network;
  const char* why;
};

// Denied unless allow_networks lifts them. Link-local covers AWS, Google Cloud, Azure,
// Oracle and DigitalOcean metadata (169.254.169.254) and the ECS task endpoint (169.254.170.2);
// the others are the metadata addresses that lie outside it.
constexpr BuiltinRule kBuiltinRules[] = {
    {"169.254.0.0/16", "IPv4 link-local, where cloud instance metadata services answer"},
    {"fe80::/10", "IPv6 link-local"},
    {"fd00:ec2::254", "the AWS instance metadata service over IPv6"},
    {"100.100.100.200", "Alibaba Cloud's instance metadata service"},
};

bool is_local(const boost::asio::ip::address& a,
              const std::vector<boost::asio::ip::address>& local) {
  // Connecting to 0.0.0.0 or :: reaches this machine on Linux, as does all of 127.0.0.0/8.
  if (a.is_unspecified() || a.is_loopback()) return true;
  return std::find(local.begin(), local.end(), a) != local.end();
}

}  // namespace

DestinationPolicy::DestinationPolicy() {
  for (const BuiltinRule& r : kBuiltinRules) {
    rules_.push_back(Rule{IpNetwork::parse(r.network).value(), Origin::kBuiltin, r.why});
  }
}

Result<DestinationPolicy> DestinationPolicy::create(
    const SecurityConfig& config, std::vector<OwnListener> own,
    std::vector<boost::asio::ip::address> local_addresses) {
  DestinationPolicy p;
  for (auto [list, origin, key] :
       {std::tuple{&config.allow_networks, Origin::kConfiguredAllow, "allow_networks"},
        std::tuple{&config.deny_networks, Origin::kConfiguredDeny, "deny_networks"}}) {
    for (const std::string& text : *list) {
      auto network = IpNetwork::parse(text);
      if (!network) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("[security] {}: {}", key, network.error().message()));
      }
      p.rules_.push_back(Rule{*network, origin, {}});
    }
  }
  for (OwnListener& l : own) l.address = unmapped(l.address);
  p.own_ = std::move(own);
  for (auto& a : local_addresses) a = unmapped(a);
  p.local_ = std::move(local_addresses);
  return p;
}

const OwnListener* DestinationPolicy::own_listener(const boost::asio::ip::address& a,
                                                   uint16_t port) const {
  for (const OwnListener& l : own_) {
    if (l.port == 0 || l.port != port) continue;
    if (l.address.is_unspecified() ? is_local(a, local_) : a == l.address || a.is_unspecified()) {
      return &l;
    }
  }
  return nullptr;
}

Status DestinationPolicy::check(const boost::asio::ip::address& address, uint16_t port) const {
  const boost::asio::ip::address a = unmapped(address);
  const std::string destination = a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), port)
                                            : fmt::format("{}:{}", a.to_string(), port);
  if (const OwnListener* l = own_listener(a, port)) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("destination {} is refused by the destination policy: it is "
                             "sluice's own listener ({}), and sluice never sends to itself",
                             destination, l->what));
  }
  const Rule* decides = nullptr;
  for (const Rule& r : rules_) {
    if (!r.network.contains(a)) continue;
    if (decides == nullptr || r.network.prefix > decides->network.prefix ||
        (r.network.prefix == decides->network.prefix && r.origin > decides->origin)) {
      decides = &r;
    }
  }
  if (decides == nullptr || decides->origin == Origin::kConfiguredAllow) return {};
  if (decides->origin == Origin::kConfiguredDeny) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("destination {} is refused by the destination policy: it is in {}, "
                             "listed in [security] deny_networks",
                             destination, decides->network.to_string()));
  }
  return Error(ErrorCode::kPermissionDenied,
               fmt::format("destination {} is refused by the destination policy: {} ({}) is "
                           "denied by default; to send there, list it in [security] "
                           "allow_networks",
                           destination, decides->network.to_string(), decides->why));
}

std::vector<std::string> DestinationPolicy::builtin_rules() {
  std::vector<std::string> out;
  for (const BuiltinRule& r : kBuiltinRules) {
    out.push_back(fmt::format("{}: {}", IpNetwork::parse(r.network)->to_string(), r.why));
  }
  return out;
}

std::vector<boost::asio::ip::address> this_host_addresses() {
  std::vector<boost::asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    // getifaddrs gives each address a structure of its family's size.
    size_t length = i->ifa_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (auto a = from_sockaddr(i->ifa_addr, length)) out.push_back(a->address);
  }
  freeifaddrs(list);
  return out;
}

}  // namespace sluice

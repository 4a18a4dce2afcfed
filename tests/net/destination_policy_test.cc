#include "net/destination_policy.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using boost::asio::ip::make_address;

TEST(IpNetwork, ParsesNetworksAndSingleAddresses) {
  auto n = IpNetwork::parse("10.0.0.0/8");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(n->contains(make_address("10.255.1.2")));
  EXPECT_FALSE(n->contains(make_address("11.0.0.1")));
  EXPECT_FALSE(n->contains(make_address("::1")));

  auto one = IpNetwork::parse("192.0.2.7");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->to_string(), "192.0.2.7/32");
  EXPECT_TRUE(one->contains(make_address("192.0.2.7")));
  EXPECT_FALSE(one->contains(make_address("192.0.2.8")));

  auto v6 = IpNetwork::parse("fe80::/10");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(make_address("fe80::1")));
  EXPECT_TRUE(v6->contains(make_address("febf::1")));
  EXPECT_FALSE(v6->contains(make_address("fec0::1")));

  auto all = IpNetwork::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(make_address("203.0.113.9")));
  EXPECT_FALSE(all->contains(make_address("2001:db8::1")));

  auto odd = IpNetwork::parse("10.128.0.0/9");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(make_address("10.200.0.1")));
  EXPECT_FALSE(odd->contains(make_address("10.100.0.1")));
}

TEST(IpNetwork, AnIpv4MappedAddressIsTheIpv4AddressItCarries) {
  auto n = IpNetwork::parse("169.254.0.0/16");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->contains(make_address("::ffff:169.254.169.254")));
  auto mapped = IpNetwork::parse("::ffff:10.0.0.0/104");
  ASSERT_TRUE(mapped) << mapped.error().message();
  EXPECT_EQ(mapped->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(mapped->contains(make_address("10.1.2.3")));
}

TEST(IpNetwork, ErrorsNameTheTextAndTheReason) {
  auto host_bits = IpNetwork::parse("10.1.2.3/8");
  ASSERT_FALSE(host_bits);
  EXPECT_EQ(host_bits.error().message(),
            "\"10.1.2.3/8\" is not a network: it has bits set past the prefix length (did you "
            "mean 10.0.0.0/8?)");
  auto not_ip = IpNetwork::parse("metadata.google.internal");
  ASSERT_FALSE(not_ip);
  EXPECT_NE(not_ip.error().message().find("is not an IP address"), std::string::npos);
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/8"}) {
    auto r = IpNetwork::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().message();
    }
  }
}

TEST(DestinationPolicy, TheDefaultDeniesLinkLocalAndMetadataAddressesAndAllowsTheRest) {
  DestinationPolicy p;
  Status imds = p.check(make_address("169.254.169.254"), 80);
  ASSERT_FALSE(imds);
  EXPECT_EQ(imds.error().message(),
            "destination 169.254.169.254:80 is refused by the destination policy: "
            "169.254.0.0/16 (IPv4 link-local, where cloud instance metadata services answer) is "
            "denied by default; to send there, list it in [security] allow_networks");
  EXPECT_FALSE(p.check(make_address("169.254.170.2"), 80));  // the ECS task endpoint
  EXPECT_FALSE(p.check(make_address("::ffff:169.254.169.254"), 80));
  EXPECT_FALSE(p.check(make_address("fd00:ec2::254"), 80));
  EXPECT_FALSE(p.check(make_address("fe80::1"), 514));
  EXPECT_FALSE(p.check(make_address("100.100.100.200"), 80));

  EXPECT_TRUE(p.check(make_address("127.0.0.1"), 514));
  EXPECT_TRUE(p.check(make_address("10.0.0.1"), 443));
  EXPECT_TRUE(p.check(make_address("203.0.113.9"), 443));
  EXPECT_TRUE(p.check(make_address("2001:db8::1"), 443));
  EXPECT_TRUE(p.check(make_address("100.100.100.201"), 80));
}

Result<DestinationPolicy> policy(std::vector<std::string> allow, std::vector<std::string> deny,
                                 std::vector<OwnListener> own = {},
                                 std::vector<boost::asio::ip::address> local = {}) {
  SecurityConfig c;
  c.allow_networks = std::move(allow);
  c.deny_networks = std::move(deny);
  return DestinationPolicy::create(c, std::move(own), std::move(local));
}

TEST(DestinationPolicy, TheMostSpecificNetworkDecides) {
  auto p = policy({"10.1.2.3", "169.254.169.254"}, {"10.0.0.0/8"});
  ASSERT_TRUE(p) << p.error().message();
  Status internal = p->check(make_address("10.9.9.9"), 443);
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().message(),
            "destination 10.9.9.9:443 is refused by the destination policy: it is in "
            "10.0.0.0/8, listed in [security] deny_networks");
  EXPECT_TRUE(p->check(make_address("10.1.2.3"), 443));
  // Allowing the one metadata address lifts the default for it, not for the rest of the /16.
  EXPECT_TRUE(p->check(make_address("169.254.169.254"), 80));
  EXPECT_FALSE(p->check(make_address("169.254.170.2"), 80));
}

TEST(DestinationPolicy, EqualNetworksDenyFirstThenAllowThenTheDefault) {
  auto lifted = policy({"169.254.0.0/16"}, {});
  ASSERT_TRUE(lifted);
  EXPECT_TRUE(lifted->check(make_address("169.254.169.254"), 80));
  auto both = policy({"192.0.2.0/24"}, {"192.0.2.0/24"});
  ASSERT_TRUE(both);
  EXPECT_FALSE(both->check(make_address("192.0.2.1"), 80));
}

TEST(DestinationPolicy, DenyingEverythingMakesTheAllowListTheOnlyWayOut) {
  auto p = policy({"192.0.2.0/24", "2001:db8::/32"}, {"0.0.0.0/0", "::/0"});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->check(make_address("192.0.2.50"), 443));
  EXPECT_TRUE(p->check(make_address("2001:db8::5"), 443));
  EXPECT_FALSE(p->check(make_address("198.51.100.1"), 443));
  EXPECT_FALSE(p->check(make_address("::1"), 443));
  // The built-in /16 is more specific than 0.0.0.0/0: metadata stays denied.
  EXPECT_FALSE(p->check(make_address("169.254.169.254"), 80));
}

TEST(DestinationPolicy, SluicesOwnListenersAreRefusedWhateverTheRulesSay) {
  auto p = policy({"0.0.0.0/0", "127.0.0.1"}, {},
                  {OwnListener{make_address("127.0.0.1"), 8686, "the API on 127.0.0.1:8686"},
                   OwnListener{make_address("0.0.0.0"), 5140, "source #1 on 0.0.0.0:5140"},
                   OwnListener{make_address("::"), 0, "source #2 on [::]:0"}},
                  {make_address("192.0.2.10")});
  ASSERT_TRUE(p) << p.error().message();
  Status api = p->check(make_address("127.0.0.1"), 8686);
  ASSERT_FALSE(api);
  EXPECT_EQ(api.error().message(),
            "destination 127.0.0.1:8686 is refused by the destination policy: it is sluice's own "
            "listener (the API on 127.0.0.1:8686), and sluice never sends to itself");
  EXPECT_FALSE(p->check(make_address("0.0.0.0"), 8686));  // Linux connects that to loopback
  EXPECT_FALSE(p->check(make_address("::ffff:127.0.0.1"), 8686));
  EXPECT_TRUE(p->check(make_address("127.0.0.2"), 8686));  // not where the API listens
  EXPECT_TRUE(p->check(make_address("127.0.0.1"), 8687));
  // A listener on every address is reached on loopback and on this host's own addresses.
  EXPECT_FALSE(p->check(make_address("127.0.0.5"), 5140));
  EXPECT_FALSE(p->check(make_address("::1"), 5140));
  EXPECT_FALSE(p->check(make_address("192.0.2.10"), 5140));
  EXPECT_TRUE(p->check(make_address("192.0.2.11"), 5140));
  // Port 0 is not known before binding, so it matches nothing.
  EXPECT_TRUE(p->check(make_address("127.0.0.1"), 0));
}

TEST(DestinationPolicy, ABadNetworkNamesTheKey) {
  auto p = policy({}, {"10.0.0.1/8"});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message(),
            "[security] deny_networks: \"10.0.0.1/8\" is not a network: it has bits set past the "
            "prefix length (did you mean 10.0.0.0/8?)");
}

TEST(IpNetwork, SocketAddressesReadAsAddressAndPort) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(8686);
  sin.sin_addr.s_addr = htonl(0xa9fea9fe);  // 169.254.169.254
  auto v4 = from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->address, make_address("169.254.169.254"));
  EXPECT_EQ(v4->port, 8686);
  EXPECT_FALSE(from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin - 1));

  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(443);
  sin6.sin6_addr.s6_addr[15] = 1;  // ::1
  auto v6 = from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->address, make_address("::1"));
  EXPECT_EQ(v6->port, 443);

  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_FALSE(from_sockaddr(&other, sizeof other));
}

TEST(DestinationPolicy, ThisHostsAddressesIncludeLoopback) {
  auto addresses = this_host_addresses();
  bool loopback = false;
  for (const auto& a : addresses) loopback = loopback || a.is_loopback();
  EXPECT_TRUE(loopback);
}

}  // namespace
}  // namespace sluice

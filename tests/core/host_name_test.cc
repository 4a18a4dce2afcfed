#include "core/host_name.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Kind = HostName::Kind;

TEST(HostName, NamesAreLowerCasedWithoutTheRootDot) {
  auto h = parse_host_name("Sluice.Internal.");
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->kind, Kind::kName);
  EXPECT_EQ(h->text, "sluice.internal");
  EXPECT_EQ(parse_host_name("localhost")->text, "localhost");
  EXPECT_EQ(parse_host_name("_svc.a-b.example")->text, "_svc.a-b.example");
}

TEST(HostName, AddressesAreCanonical) {
  auto v4 = parse_host_name("10.0.0.5");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->kind, Kind::kIpv4);
  EXPECT_EQ(v4->text, "10.0.0.5");
  auto v6 = parse_host_name("0:0:0:0:0:0:0:1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->kind, Kind::kIpv6);
  EXPECT_EQ(v6->text, "::1");
  EXPECT_EQ(parse_host_name("[::1]")->text, "::1");
  EXPECT_EQ(parse_host_name("[FE80::A]")->text, "fe80::a");
}

TEST(HostName, LoopbackAndUnspecified) {
  EXPECT_TRUE(parse_host_name("127.0.0.1")->is_loopback());
  EXPECT_TRUE(parse_host_name("127.3.2.1")->is_loopback());
  EXPECT_TRUE(parse_host_name("::1")->is_loopback());
  EXPECT_TRUE(parse_host_name("::ffff:127.0.0.1")->is_loopback());
  EXPECT_FALSE(parse_host_name("10.0.0.1")->is_loopback());
  EXPECT_FALSE(parse_host_name("0.0.0.0")->is_loopback());
  EXPECT_FALSE(parse_host_name("localhost")->is_loopback());  // a name, not an address
  EXPECT_TRUE(parse_host_name("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(parse_host_name("::")->is_unspecified());
  EXPECT_FALSE(parse_host_name("127.0.0.1")->is_unspecified());
}

TEST(HostName, BadHostsSayWhy) {
  auto why = [](std::string_view text) {
    auto h = parse_host_name(text);
    return h.ok() ? std::string("accepted as ") + h->text : h.error().message();
  };
  EXPECT_NE(why("").find("empty"), std::string::npos);
  EXPECT_NE(why("http://sluice.internal").find("is a URL"), std::string::npos);
  EXPECT_NE(why("sluice.internal:8686").find("has a port"), std::string::npos);
  EXPECT_NE(why("[::1]:8686").find("has a port"), std::string::npos);
  EXPECT_NE(why("sluice.internal/status").find("has a path"), std::string::npos);
  EXPECT_NE(why("[::1").find("closing bracket"), std::string::npos);
  EXPECT_NE(why("[sluice]").find("not an IPv6 address"), std::string::npos);
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "a b", "a..b", ".a", "*", "a@b", std::string_view("a\0b", 3), "\xc3\xa9.example"}) {
    EXPECT_NE(why(bad).find("is not a host name or an IP address"), std::string::npos) << bad;
  }
}

TEST(HostName, HostHeaders) {
  auto host = [](std::string_view value) {
    auto h = parse_host_header(value);
    return h.ok() ? h->text : "error: " + h.error().message();
  };
  EXPECT_EQ(host("127.0.0.1:8686"), "127.0.0.1");
  EXPECT_EQ(host("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(host("LocalHost:8686"), "localhost");
  EXPECT_EQ(host("sluice.internal."), "sluice.internal");
  EXPECT_EQ(host("[::1]:8686"), "::1");
  EXPECT_EQ(host("[::1]"), "::1");
  EXPECT_EQ(host("example.com:"), "example.com");  // RFC 3986: the port may be empty
  for (std::string_view bad : {"::1", "::1:8686", "a:b", "a:99999", "a:-1", "[::1]x", "[::1]:x",
                               "a:80:80", "", "a b:80"}) {
    EXPECT_TRUE(host(bad).starts_with("error: ")) << bad << " -> " << host(bad);
  }
}

}  // namespace
}  // namespace sluice

// The API's Host check against DNS rebinding (control/host_check.h): its own addresses and
// names are answered, with or without a port; any other name is not.

#include "control/host_check.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

HostCheck make(std::string_view listen, std::string_view bound,
               const std::vector<std::string>& allowed = {}) {
  auto check = HostCheck::create(listen, bound, allowed);
  EXPECT_TRUE(check.ok()) << check.error().message();
  return check.ok() ? std::move(check).value()
                    : std::move(HostCheck::create("127.0.0.1", "127.0.0.1", {})).value();
}

TEST(HostCheck, AForeignNameIsRefused) {
  HostCheck c = make("127.0.0.1", "127.0.0.1");
  EXPECT_FALSE(c.allows("evil.example"));
  EXPECT_FALSE(c.allows("evil.example:8686"));
  // A rebinding domain that merely contains an accepted name.
  EXPECT_FALSE(c.allows("localhost.evil.example:8686"));
  EXPECT_FALSE(c.allows("127.0.0.1.nip.io:8686"));
  // Another address than the one listened on.
  EXPECT_FALSE(c.allows("10.0.0.5:8686"));
  EXPECT_FALSE(c.allows("[::1]:8686"));
  // Malformed values are refused, not guessed at.
  EXPECT_FALSE(c.allows("127.0.0.1:80:80"));
  EXPECT_FALSE(c.allows("127.0.0.1 evil.example"));
  EXPECT_FALSE(c.allows("::1"));
  EXPECT_FALSE(c.allows(std::string_view("127.0.0.1\0.evil.example", 23)));
}

TEST(HostCheck, TheListenAddressAndLocalhostAreAnsweredWithAndWithoutPort) {
  HostCheck c = make("127.0.0.1", "127.0.0.1");
  EXPECT_TRUE(c.allows("127.0.0.1:8686"));
  EXPECT_TRUE(c.allows("127.0.0.1"));
  EXPECT_TRUE(c.allows("localhost:8686"));
  EXPECT_TRUE(c.allows("localhost"));
  EXPECT_TRUE(c.allows("LOCALHOST."));
  // The port is not compared: a tunnel (ssh -L 9999:127.0.0.1:8686) names its own.
  EXPECT_TRUE(c.allows("localhost:9999"));
}

TEST(HostCheck, NoHostHeaderIsAnswered) {
  EXPECT_TRUE(make("127.0.0.1", "127.0.0.1").allows(""));
}

TEST(HostCheck, Ipv6InBrackets) {
  HostCheck c = make("::1", "::1");
  EXPECT_TRUE(c.allows("[::1]:8686"));
  EXPECT_TRUE(c.allows("[::1]"));
  EXPECT_TRUE(c.allows("[0:0:0:0:0:0:0:1]:8686"));
  EXPECT_TRUE(c.allows("localhost:8686"));
  EXPECT_FALSE(c.allows("::1"));  // not bracketed: malformed
  EXPECT_FALSE(c.allows("127.0.0.1:8686"));
  EXPECT_FALSE(c.allows("evil.example:8686"));

  HostCheck routable = make("2001:db8::5", "2001:db8::5");
  EXPECT_TRUE(routable.allows("[2001:db8::5]:8686"));
  EXPECT_FALSE(routable.allows("localhost:8686"));  // not on loopback
}

TEST(HostCheck, ConfiguredNamesAreAnsweredWithAndWithoutPort) {
  HostCheck c = make("10.0.0.5", "10.0.0.5", {"sluice.internal", "Metrics.Example.", "[::1]"});
  EXPECT_TRUE(c.allows("sluice.internal"));
  EXPECT_TRUE(c.allows("sluice.internal:8686"));
  EXPECT_TRUE(c.allows("SLUICE.INTERNAL:443"));
  EXPECT_TRUE(c.allows("metrics.example"));
  EXPECT_TRUE(c.allows("[::1]:8686"));
  EXPECT_TRUE(c.allows("10.0.0.5:8686"));
  EXPECT_FALSE(c.allows("localhost:8686"));  // 10.0.0.5 is not loopback
  EXPECT_FALSE(c.allows("other.internal:8686"));
  EXPECT_FALSE(c.allows("sluice.internal.evil.example"));
}

TEST(HostCheck, AListenNameIsAnswered) {
  HostCheck c = make("logs-1.lan", "192.168.1.20");
  EXPECT_TRUE(c.allows("logs-1.lan:8686"));
  EXPECT_TRUE(c.allows("192.168.1.20:8686"));
  EXPECT_FALSE(c.allows("evil.example:8686"));
}

TEST(HostCheck, EveryAddressAnswersAnyAddressButOnlyKnownNames) {
  for (std::string_view any : {"0.0.0.0", "::"}) {
    HostCheck c = make(any, any);
    EXPECT_TRUE(c.allows("10.1.2.3:8686")) << any;
    EXPECT_TRUE(c.allows("127.0.0.1:8686")) << any;
    EXPECT_TRUE(c.allows("[2001:db8::1]:8686")) << any;
    EXPECT_TRUE(c.allows("localhost:8686")) << any;
    EXPECT_FALSE(c.allows("evil.example:8686")) << any;
  }
  HostCheck empty = make("", "0.0.0.0");  // listen = ":8686"
  EXPECT_TRUE(empty.allows("10.1.2.3"));
  EXPECT_FALSE(empty.allows("evil.example"));
}

TEST(HostCheck, StarAnswersAnyHost) {
  HostCheck c = make("127.0.0.1", "127.0.0.1", {"*"});
  EXPECT_TRUE(c.allows("evil.example:8686"));
  EXPECT_TRUE(c.allows("anything"));
}

TEST(HostCheck, BadInputsAreErrors) {
  auto bad = HostCheck::create("127.0.0.1", "127.0.0.1", {"sluice.internal:8686"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("[api] allowed_hosts: \"sluice.internal:8686\" has a port"),
            std::string::npos)
      << bad.error().message();
  EXPECT_FALSE(HostCheck::create("127.0.0.1", "not-an-address", {}).ok());
}

}  // namespace
}  // namespace sluice

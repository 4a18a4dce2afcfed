// The start-up warning for an API reachable beyond loopback (control/api_exposure.h).

#include "control/api_exposure.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

ApiConfig api(std::string host, uint16_t port = 8686) {
  ApiConfig a;
  a.listen = {std::move(host), port};
  return a;
}

TEST(ApiExposure, LoopbackIsQuiet) {
  EXPECT_FALSE(api_exposure_warning(api("127.0.0.1"), "127.0.0.1"));
  EXPECT_FALSE(api_exposure_warning(api("127.0.0.2"), "127.0.0.2"));
  EXPECT_FALSE(api_exposure_warning(api("::1"), "::1"));
  EXPECT_FALSE(api_exposure_warning(api("localhost"), "127.0.0.1"));
}

TEST(ApiExposure, BeyondLoopbackWarnsWhatIsExposedAndHowToFixIt) {
  auto w = api_exposure_warning(api("0.0.0.0"), "0.0.0.0");
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("every address (0.0.0.0:8686)"), std::string::npos) << *w;
  EXPECT_NE(w->find("no authentication"), std::string::npos) << *w;
  EXPECT_NE(w->find("/metrics, /status and /errors"), std::string::npos) << *w;
  EXPECT_NE(w->find("[api] listen = \"127.0.0.1:8686\""), std::string::npos) << *w;

  auto routable = api_exposure_warning(api("10.0.0.5", 9000), "10.0.0.5");
  ASSERT_TRUE(routable);
  EXPECT_NE(routable->find("listens on 10.0.0.5:9000"), std::string::npos) << *routable;
  EXPECT_NE(routable->find("\"127.0.0.1:9000\""), std::string::npos) << *routable;

  auto v6 = api_exposure_warning(api("::"), "::");
  ASSERT_TRUE(v6);
  EXPECT_NE(v6->find("every address ([::]:8686)"), std::string::npos) << *v6;
  EXPECT_TRUE(api_exposure_warning(api("logs-1.lan"), "192.168.1.20"));
}

TEST(ApiExposure, NoApiNoWarning) {
  ApiConfig off = api("0.0.0.0");
  off.enabled = false;
  EXPECT_FALSE(api_exposure_warning(off, "0.0.0.0"));
}

}  // namespace
}  // namespace sluice

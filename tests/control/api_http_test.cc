// The API over a real HTTP connection: the Host check against DNS rebinding (421 for a name the
// API is not known by) and HEAD on every GET route.

#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../net/http_test_client.h"
#include "../sources/source_harness.h"
#include "control/api.h"
#include "net/http_server.h"

namespace sluice {
namespace {

using testing::ClientResponse;
using testing::HttpTestClient;

constexpr std::string_view kConfig = R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "ep"
  path = "/dev/null"
  placement = "none"
)toml";

// The API as the engine serves it on 127.0.0.1, also known as sluice.internal.
class ApiHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    auto hosts = HostCheck::create("127.0.0.1", "127.0.0.1", {"sluice.internal"});
    ASSERT_TRUE(hosts.ok()) << hosts.error().message();
    api_ = std::make_unique<Api>(harness_.topology(), reloads_, std::vector<SourceInfo>{},
                                 std::move(*hosts));
    auto server = HttpServer::start(harness_.io(), {"127.0.0.1", 0}, 64 * 1024,
                                    [api = api_.get()](HttpRequest& r) { return api->handle(r); });
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  ClientResponse get(const std::string& target, const std::string& host) {
    HttpTestClient client(server_->port());
    return client.request("GET", target, "", {{"Host", host}});
  }
  [[nodiscard]] std::string port() const { return std::to_string(server_->port()); }

  testing::SourceHarness harness_{kConfig, 2};
  ReloadLog reloads_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ApiHttpTest, AForeignHostIs421WithAJsonErrorNamingIt) {
  // What a browser sends after evil.example was rebound to 127.0.0.1.
  for (const char* path : {"/status", "/metrics", "/errors", "/health", "/nowhere"}) {
    ClientResponse r = get(path, "evil.example:" + port());
    EXPECT_EQ(r.status, 421) << path << " " << r.error;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_NE(r.body.find(fmt::format("\"error\":\"Host \\\"evil.example:{}\\\" is not a name or "
                                      "address of this API",
                                      port())),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find(fmt::format("\"host\":\"evil.example:{}\"", port())), std::string::npos)
        << r.body;
    EXPECT_EQ(r.body.find("endpoints"), std::string::npos) << r.body;
  }
  EXPECT_EQ(get("/status", "10.9.8.7:" + port()).status, 421);
}

TEST_F(ApiHttpTest, ItsOwnNamesAreAnsweredWithAndWithoutPort) {
  for (const std::string& host :
       {"127.0.0.1:" + port(), std::string("127.0.0.1"), "localhost:" + port(),
        std::string("localhost"), "sluice.internal:" + port(), std::string("sluice.internal")}) {
    ClientResponse r = get("/health", host);
    EXPECT_EQ(r.status, 200) << host << " " << r.error;
    EXPECT_EQ(r.body, "ok\n") << host;
  }
  EXPECT_EQ(get("/status", "localhost:" + port()).headers["content-type"], "application/json");
}

TEST_F(ApiHttpTest, RequestsWithoutHostOrWithTwo) {
  // HTTP/1.0 without Host: answered (no browser sends such a request).
  HttpTestClient old(server_->port());
  ClientResponse r = old.raw("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "ok\n");
  // Two Host headers are ambiguous: 400, even if one of them is right.
  HttpTestClient two(server_->port());
  r = two.raw("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n");
  EXPECT_EQ(r.status, 400) << r.error;
  EXPECT_NE(r.body.find("more than one Host header"), std::string::npos) << r.body;
}

TEST_F(ApiHttpTest, HeadAnswersEveryGetRouteWithoutTheBody) {
  HttpTestClient client(server_->port());
  for (const char* path : {"/health", "/metrics", "/status", "/errors", "/nowhere"}) {
    ClientResponse get = client.request("GET", path);
    ASSERT_NE(get.status, 0) << path << " " << get.error;
    ASSERT_FALSE(get.body.empty()) << path;
    ClientResponse head = client.request("HEAD", path);
    EXPECT_EQ(head.status, get.status) << path << " " << head.error;
    EXPECT_EQ(head.headers["content-type"], get.headers["content-type"]) << path;
    EXPECT_EQ(head.headers["content-length"], std::to_string(get.body.size())) << path;
    EXPECT_EQ(head.body, "") << path;
  }
  // No body was sent: the next answer on the connection parses.
  ClientResponse after = client.request("GET", "/health");
  EXPECT_EQ(after.status, 200) << after.error;
  EXPECT_EQ(after.body, "ok\n");
  // A refused Host is refused for HEAD too.
  ClientResponse foreign = client.request("HEAD", "/status", "", {{"Host", "evil.example"}});
  EXPECT_EQ(foreign.status, 421) << foreign.error;
  EXPECT_EQ(foreign.body, "");
}

TEST_F(ApiHttpTest, OtherMethodsAre405WithAllow) {
  HttpTestClient client(server_->port());
  ClientResponse r = client.request("POST", "/status", "x");
  EXPECT_EQ(r.status, 405) << r.error;
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
}

}  // namespace
}  // namespace sluice

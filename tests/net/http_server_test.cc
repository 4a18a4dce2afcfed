#include "net/http_server.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>

#include "http_test_client.h"

namespace sluice {
namespace {

using testing::ClientResponse;
using testing::HttpTestClient;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~HttpServerTest() override {
    server_.reset();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  void start(uint64_t max_body = 1024, const HttpServerOptions& options = {}) {
    auto server = HttpServer::start(
        io_, {"127.0.0.1", 0}, max_body,
        [this](HttpRequest& r) {
          ++calls_;
          HttpResponse out;
          out.status = r.target == "/missing" ? 404 : 200;
          out.headers.emplace_back("X-Method", r.method);
          std::string host;
          for (auto& [k, v] : r.headers) {
            if (k == "Host") host = v;
          }
          out.body = fmt::format("{} {} {} host={}", r.method, r.target, r.body.size(), host);
          return out;
        },
        options);
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::vector<std::thread> threads_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  start();
  HttpTestClient client(server_->port());
  for (int i = 0; i < 3; ++i) {
    ClientResponse r = client.request("POST", fmt::format("/x?i={}", i), "abc");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, fmt::format("POST /x?i={} 3 host=127.0.0.1", i));
    EXPECT_EQ(r.headers["x-method"], "POST");
    EXPECT_EQ(r.headers["server"], "sluice");
  }
  ClientResponse missing = client.request("GET", "/missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(calls_.load(), 4);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  HttpTestClient client(server_->port());
  ClientResponse r = client.request("GET", "/", "", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(client.closed_by_server());
}

// RFC 9110 9.3.2: HEAD gets GET's status and headers, Content-Length of the body included, and
// no body, whatever the handler returned; the connection stays usable.
TEST_F(HttpServerTest, HeadAnswersHaveTheHeadersOfGetAndNoBody) {
  start();
  HttpTestClient client(server_->port());
  ClientResponse get = client.request("GET", "/x");
  ASSERT_EQ(get.status, 200) << get.error;
  ClientResponse head = client.request("HEAD", "/x");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers["x-method"], "HEAD");
  // The length of the body the handler returned, which is not sent.
  EXPECT_EQ(head.headers["content-length"],
            std::to_string(std::string_view("HEAD /x 0 host=127.0.0.1").size()));
  EXPECT_EQ(head.headers["content-type"], get.headers["content-type"]);
  // Had the body been sent, this answer would be read from its bytes and fail to parse.
  ClientResponse next = client.request("GET", "/y");
  EXPECT_EQ(next.status, 200) << next.error;
  EXPECT_EQ(next.body, "GET /y 0 host=127.0.0.1");
  ClientResponse missing = client.request("HEAD", "/missing");
  EXPECT_EQ(missing.status, 404) << missing.error;
  EXPECT_EQ(missing.body, "");
  EXPECT_EQ(client.request("GET", "/z").status, 200);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  start(1024);
  {
    HttpTestClient client(server_->port());
    ClientResponse r = client.request("POST", "/", std::string(1025, 'x'));
    EXPECT_EQ(r.status, 413) << r.error;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_NE(r.body.find("\"error\":\"the request body (1025 bytes) is larger than the limit of "
                          "1024 bytes\""),
              std::string::npos)
        << r.body;
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    // Chunked, so the size is only known while reading.
    HttpTestClient client(server_->port());
    std::string chunk(800, 'y');
    ClientResponse r = client.raw(fmt::format(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}"
        "\r\n0\r\n\r\n",
        chunk.size(), chunk, chunk.size(), chunk));
    EXPECT_EQ(r.status, 413) << r.error;
  }
  {
    HttpTestClient client(server_->port());
    EXPECT_EQ(client.request("POST", "/", std::string(1024, 'x')).status, 200);
  }
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(HttpServerTest, LargeBodyRefusedBeforeItIsSentCompletely) {
  // The client sends 8 MiB; the server answers 413 from the header and reads the rest away, so
  // the client sees the answer rather than a reset.
  start(1024);
  HttpTestClient client(server_->port());
  ClientResponse r = client.request("POST", "/", std::string(8 << 20, 'z'));
  EXPECT_EQ(r.status, 413) << r.error;
}

TEST_F(HttpServerTest, ExpectContinue) {
  start();
  HttpTestClient client(server_->port());
  boost::asio::write(client.socket(), boost::asio::buffer(std::string(
                                          "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: "
                                          "5\r\nExpect: 100-continue\r\n\r\n")));
  ClientResponse cont = client.read_response();
  EXPECT_EQ(cont.status, 100) << cont.error;
  ClientResponse r = client.raw("hello");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "POST /e 5 host=h");
}

// Issue 14: "80 concurrent 10 MiB bodies took RSS to 854 MB". One budget bounds what the bodies
// in progress hold together; past it a request is answered 503 with Retry-After before its body
// is read, and what a body held is given back once it is done.
class BodyBudgetTest : public HttpServerTest {
 protected:
  static constexpr uint64_t kBudget = 1 << 20;
  BodyBudgetTest() {
    options_.body_budget = &budget_;
    options_.budget_refused = &refused_;
  }

  // Sends the header of a `length`-byte body and `sent` bytes of it, and waits until the server
  // holds the body's share of the budget: a body in progress.
  void begin_body(HttpTestClient& client, uint64_t length, size_t sent) {
    boost::asio::write(client.socket(),
                       boost::asio::buffer(fmt::format(
                           "POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{}", length,
                           std::string(sent, 's'))));
    wait_for([&] { return budget_.held() >= length; });
  }

  template <typename Predicate>
  void wait_for(Predicate done) {
    for (int i = 0; i < 500 && !done(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(done()) << "held " << budget_.held();
  }

  BodyBudget budget_{kBudget};
  std::atomic<uint64_t> refused_{0};
  HttpServerOptions options_;
};

TEST_F(BodyBudgetTest, BodiesPastTheBudgetAre503WithRetryAfterAndTheBudgetEmptiesAfter) {
  start(4 << 20, options_);
  HttpTestClient slow(server_->port());
  begin_body(slow, 700'000, 1000);
  EXPECT_EQ(budget_.held(), 700'000u);

  // 700,000 + 700,000 is past the 1 MiB budget: refused from its header.
  {
    HttpTestClient client(server_->port());
    ClientResponse r = client.request("POST", "/b", std::string(700'000, 'b'));
    EXPECT_EQ(r.status, 503) << r.error;
    EXPECT_EQ(r.headers["retry-after"], "1");
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_NE(r.body.find("(body_budget); retry later"), std::string::npos) << r.body;
    EXPECT_TRUE(client.closed_by_server());
  }
  // A chunked body is charged chunk by chunk: its first chunk does not fit.
  {
    HttpTestClient client(server_->port());
    std::string chunk(400'000, 'c');
    ClientResponse r = client.raw(fmt::format(
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        chunk.size(), chunk));
    EXPECT_EQ(r.status, 503) << r.error;
    EXPECT_EQ(r.headers["retry-after"], "1");
  }
  // One that fits beside the body in progress is served.
  {
    HttpTestClient client(server_->port());
    ClientResponse r = client.request("POST", "/fits", std::string(200'000, 'f'));
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "POST /fits 200000 host=127.0.0.1");
  }
  EXPECT_EQ(refused_.load(), 2u);
  EXPECT_EQ(calls_.load(), 1);

  // The slow body completes and is served; then the budget is empty again.
  ClientResponse done = slow.raw(std::string(700'000 - 1000, 's'));
  EXPECT_EQ(done.status, 200) << done.error;
  EXPECT_EQ(done.body, "POST /slow 700000 host=h");
  wait_for([&] { return budget_.held() == 0; });

  // What was refused is taken now: the client's retry works.
  HttpTestClient client(server_->port());
  EXPECT_EQ(client.request("POST", "/b", std::string(700'000, 'b')).status, 200);
  wait_for([&] { return budget_.held() == 0; });
}

TEST_F(BodyBudgetTest, ABodyLargerThanTheBudgetIsTakenAlone) {
  // Within max_body_bytes but past the budget: refused beside another body, served alone, so a
  // small budget serialises large bodies rather than refusing them for ever.
  start(4 << 20, options_);
  {
    HttpTestClient client(server_->port());
    ClientResponse r = client.request("POST", "/big", std::string(2 << 20, 'x'));
    EXPECT_EQ(r.status, 200) << r.error;
  }
  wait_for([&] { return budget_.held() == 0; });
  HttpTestClient slow(server_->port());
  begin_body(slow, 1000, 10);
  HttpTestClient client(server_->port());
  EXPECT_EQ(client.request("POST", "/big", std::string(2 << 20, 'x')).status, 503);
  EXPECT_EQ(slow.raw(std::string(990, 's')).status, 200);
  wait_for([&] { return budget_.held() == 0; });
}

TEST_F(BodyBudgetTest, AnAbandonedBodyGivesItsShareBack) {
  start(4 << 20, options_);
  {
    HttpTestClient slow(server_->port());
    begin_body(slow, 900'000, 100);
  }  // the client goes away mid-body
  wait_for([&] { return budget_.held() == 0; });
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndTheServerLivesOn) {
  start();
  for (std::string bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
                          std::string("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
                          std::string("\0\0\0\r\n\r\n", 7)}) {
    HttpTestClient client(server_->port());
    ClientResponse r = client.raw(bad);
    EXPECT_EQ(r.status, 400) << bad << " " << r.error;
    EXPECT_NE(r.body.find("malformed request"), std::string::npos) << r.body;
  }
  HttpTestClient huge(server_->port());
  ClientResponse r =
      huge.raw("GET / HTTP/1.1\r\nX-Big: " + std::string(100 * 1024, 'h') + "\r\n\r\n");
  EXPECT_EQ(r.status, 431) << r.error;
  // A client that disconnects mid-request does no harm either.
  {
    HttpTestClient gone(server_->port());
    boost::asio::write(gone.socket(), boost::asio::buffer(std::string("POST / HTTP/1.1\r\nCont")));
  }
  HttpTestClient client(server_->port());
  EXPECT_EQ(client.request("GET", "/").status, 200);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(HttpServerTest, PortInUseNamesTheAddress) {
  start();
  auto second = HttpServer::start(io_, {"127.0.0.1", server_->port()}, 1024,
                                  [](HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find(fmt::format("127.0.0.1:{}", server_->port())),
            std::string::npos)
      << second.error().message();
  EXPECT_NE(second.error().message().find("in use"), std::string::npos) << second.error().message();
  auto bad_host = HttpServer::start(io_, {"no-such-host.invalid", 0}, 1024,
                                    [](HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(bad_host.ok());
  EXPECT_NE(bad_host.error().message().find("no-such-host.invalid"), std::string::npos);
}

TEST_F(HttpServerTest, StopClosesIdleConnections) {
  start();
  HttpTestClient client(server_->port());
  EXPECT_EQ(client.request("GET", "/").status, 200);
  server_->stop();
  EXPECT_TRUE(client.closed_by_server());
  HttpTestClient after(server_->port());
  EXPECT_EQ(after.request("GET", "/").status, 0);
}

// Connections are dealt out over the loops of a LoopPicker, round robin, each loop one thread;
// the listener stays on its own loop.
TEST(HttpServerLoops, ConnectionsRunOnTheIngestLoopsInTurn) {
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  boost::asio::io_context listener_io, a, b;
  std::vector<Guard> guards{Guard(listener_io.get_executor()), Guard(a.get_executor()),
                            Guard(b.get_executor())};
  std::vector<std::thread> threads;
  std::vector<std::thread::id> loop_threads;
  for (auto* io : {&listener_io, &a, &b}) threads.emplace_back([io] { io->run(); });
  for (auto& t : threads) loop_threads.push_back(t.get_id());
  LoopPicker picker({&a, &b});
  std::mutex mu;
  std::vector<std::thread::id> served;
  auto server = HttpServer::start(
      listener_io, {"127.0.0.1", 0}, 1024,
      [&](HttpRequest&) {
        std::lock_guard lock(mu);
        served.push_back(std::this_thread::get_id());
        return HttpResponse{};
      },
      HttpServerOptions{.connection_loops = &picker});
  ASSERT_TRUE(server.ok()) << server.error().message();
  for (int i = 0; i < 4; ++i) {
    HttpTestClient client((*server)->port());
    // Two requests on one connection: the same loop serves both.
    EXPECT_EQ(client.request("GET", "/").status, 200);
    EXPECT_EQ(client.request("GET", "/").status, 200);
  }
  (*server)->stop();
  for (auto& g : guards) g.reset();
  for (auto* io : {&listener_io, &a, &b}) io->stop();
  for (auto& t : threads) t.join();
  ASSERT_EQ(served.size(), 8u);
  for (size_t i = 0; i < served.size(); i += 2) EXPECT_EQ(served[i], served[i + 1]);
  EXPECT_EQ(served[0], loop_threads[1]);  // a
  EXPECT_EQ(served[2], loop_threads[2]);  // b
  EXPECT_EQ(served[4], loop_threads[1]);
  EXPECT_EQ(served[6], loop_threads[2]);
}

TEST(HttpServerLoops, ConnectionsPastTheCapAreClosedAndCounted) {
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  boost::asio::io_context io;
  Guard guard(io.get_executor());
  std::thread thread([&] { io.run(); });
  std::atomic<uint64_t> refused{0};
  auto server = HttpServer::start(
      io, {"127.0.0.1", 0}, 1024, [](HttpRequest&) { return HttpResponse{}; },
      HttpServerOptions{.max_connections = 2, .refused = &refused});
  ASSERT_TRUE(server.ok());
  HttpTestClient a((*server)->port()), b((*server)->port());
  EXPECT_EQ(a.request("GET", "/").status, 200);
  EXPECT_EQ(b.request("GET", "/").status, 200);
  HttpTestClient c((*server)->port());
  EXPECT_EQ(c.request("GET", "/").status, 0);  // closed without an answer
  EXPECT_EQ(refused.load(), 1u);
  EXPECT_EQ(a.request("GET", "/").status, 200);  // the two held ones still work
  (*server)->stop();
  guard.reset();
  io.stop();
  thread.join();
}

}  // namespace
}  // namespace sluice

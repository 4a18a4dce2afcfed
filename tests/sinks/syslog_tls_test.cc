#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "sinks/syslog/service.h"
#include "syslog_test_support.h"

namespace sluice {
namespace {

using namespace sluice::testing;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A throwaway CA, a server certificate for localhost / 127.0.0.1 and a client certificate,
// made with the openssl command line once for all tests here.
class TestCerts {
 public:
  static const TestCerts& get() {
    static TestCerts certs;
    return certs;
  }
  fs::path dir;
  bool ok = false;
  fs::path ca() const { return dir / "ca.pem"; }
  fs::path server_cert() const { return dir / "server.pem"; }
  fs::path server_key() const { return dir / "server.key"; }
  fs::path client_cert() const { return dir / "client.pem"; }
  fs::path client_key() const { return dir / "client.key"; }

 private:
  TestCerts() {
    char tmpl[] = "/tmp/sluice-tls-test-XXXXXX";
    dir = mkdtemp(tmpl);
    std::ofstream script(dir / "make.sh");
    script << "set -e\n"
              "cd \"$(dirname \"$0\")\"\n"
              "key='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
              "openssl req -x509 $key -keyout ca.key -out ca.pem -days 2 -subj /CN=sluice-test-ca "
              "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign\n"
              "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n"
              "openssl req $key -keyout server.key -out server.csr -subj /CN=localhost\n"
              "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
              "-out server.pem -days 2 -extfile server.ext\n"
              "openssl req $key -keyout client.key -out client.csr -subj /CN=sluice-client\n"
              "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
              "-out client.pem -days 2\n";
    script.close();
    ok = std::system(("bash " + (dir / "make.sh").string() + " >/dev/null 2>&1").c_str()) == 0;
  }
  ~TestCerts() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A TLS syslog receiver: accepts connections, handshakes, and collects what it reads.
class TlsPeer {
 public:
  explicit TlsPeer(bool require_client_cert) : ctx_(ssl::context::tls_server), acceptor_(io_) {
    const TestCerts& c = TestCerts::get();
    ctx_.use_certificate_chain_file(c.server_cert().string());
    ctx_.use_private_key_file(c.server_key().string(), ssl::context::pem);
    if (require_client_cert) {
      ctx_.load_verify_file(c.ca().string());
      ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsPeer() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::string read_lines(size_t n, std::chrono::milliseconds timeout = 10s) {
    eventually(
        [&] {
          std::lock_guard lock(mu_);
          return size_t(std::count(data_.begin(), data_.end(), '\n')) >= n;
        },
        timeout);
    std::lock_guard lock(mu_);
    return data_;
  }
  int handshakes() const { return handshakes_; }
  int failed_handshakes() const { return failed_handshakes_; }

 private:
  using Stream = ssl::stream<asio::ip::tcp::socket>;
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket sock) {
      if (ec) return;
      auto s = std::make_shared<Stream>(std::move(sock), ctx_);
      s->async_handshake(ssl::stream_base::server, [this, s](boost::system::error_code hec) {
        if (hec) {
          ++failed_handshakes_;
          return;
        }
        ++handshakes_;
        read(s);
      });
      accept();
    });
  }
  void read(std::shared_ptr<Stream> s) {
    auto buf = std::make_shared<std::array<char, 65536>>();
    s->async_read_some(asio::buffer(*buf), [this, s, buf](boost::system::error_code ec, size_t n) {
      {
        std::lock_guard lock(mu_);
        data_.append(buf->data(), n);
      }
      if (!ec) read(s);
    });
  }

  asio::io_context io_;
  ssl::context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string data_;
  std::atomic<int> handshakes_{0}, failed_handshakes_{0};
};

std::shared_ptr<SyslogSinkSettings> tls_settings(uint16_t port, std::string hostname) {
  auto s = tcp_settings(port);
  s->use_tls = true;
  s->tls_hostname = std::move(hostname);
  return s;
}

std::string lines_text(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

class SyslogTls : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(TestCerts::get().ok) << "openssl could not make certs"; }
};

TEST_F(SyslogTls, DeliversWithInlineCaAndHostname) {
  TlsPeer peer(false);
  auto s = tls_settings(peer.port(), "localhost");
  s->tls_ca_cert = read_file(TestCerts::get().ca());
  SinkHarness h(s, MessageType::kBlank, fast_options());
  auto lines = numbered(1000);
  h.push(lines);
  h.start();
  EXPECT_EQ(peer.read_lines(lines.size()), lines_text(lines));
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == lines.size(); }));
  EXPECT_EQ(h.state(), "ok");
}

TEST_F(SyslogTls, DeliversWithCaFileAndIpAddressName) {
  TlsPeer peer(false);
  auto s = tls_settings(peer.port(), "127.0.0.1");
  s->tls_ca_cert = TestCerts::get().ca().string();
  SinkHarness h(s, MessageType::kClassic, fast_options());
  h.push({"over tls"});
  h.start();
  std::string got = peer.read_lines(1);
  EXPECT_NE(got.find(" testhost to_syslog: over tls\n"), std::string::npos) << got;
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == 1; }));
}

TEST_F(SyslogTls, HostnameMismatchIsAConfigurationErrorAndLinesStayQueued) {
  TlsPeer peer(false);
  auto s = tls_settings(peer.port(), "wrong.example");
  s->tls_ca_cert = TestCerts::get().ca().string();
  SinkHarness h(s, MessageType::kBlank, fast_options());
  h.push(numbered(10));
  h.start();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kConfiguration) >= 1; }));
  EXPECT_EQ(h.state(), "error");
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("mismatch"), std::string::npos)
      << snap.last_error->message;
  EXPECT_EQ(h.errors(ErrorClass::kRetryable), 0u);
  EXPECT_EQ(h.endpoint().queue->depth().lines, 10u);
  EXPECT_EQ(h.counters().delivered.load(), 0u);
  EXPECT_EQ(peer.read_lines(0), "");
  // It keeps trying (slowly): max_backoff is 0.2 s here.
  EXPECT_TRUE(eventually([&] { return h.errors(ErrorClass::kConfiguration) >= 3; }));
}

TEST_F(SyslogTls, UntrustedServerCertificateIsAConfigurationError) {
  TlsPeer peer(false);
  auto s = tls_settings(peer.port(), "localhost");  // no CA: the system store does not know ours
  SinkHarness h(s, MessageType::kBlank, fast_options());
  h.push({"x"});
  h.start();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kConfiguration) >= 1; }));
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("certificate verification failed"), std::string::npos)
      << snap.last_error->message;
}

TEST_F(SyslogTls, ClientCertificateFromFilesIsAccepted) {
  TlsPeer peer(true);
  auto s = tls_settings(peer.port(), "localhost");
  s->tls_ca_cert = TestCerts::get().ca().string();
  s->tls_client_cert = TestCerts::get().client_cert().string();
  s->tls_client_key = TestCerts::get().client_key().string();
  SinkHarness h(s, MessageType::kBlank, fast_options());
  h.push(numbered(3));
  h.start();
  EXPECT_EQ(peer.read_lines(3), lines_text(numbered(3)));
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == 3; }));
  EXPECT_EQ(h.errors(ErrorClass::kConfiguration), 0u);
}

TEST_F(SyslogTls, InlineClientCertificateIsAccepted) {
  TlsPeer peer(true);
  auto s = tls_settings(peer.port(), "localhost");
  s->tls_ca_cert = read_file(TestCerts::get().ca());
  s->tls_client_cert = read_file(TestCerts::get().client_cert());
  s->tls_client_key = read_file(TestCerts::get().client_key());
  SinkHarness h(s, MessageType::kBlank, fast_options());
  h.push(numbered(3));
  h.start();
  EXPECT_EQ(peer.read_lines(3), lines_text(numbered(3)));
}

TEST_F(SyslogTls, MissingClientCertificateIsAConfigurationError) {
  TlsPeer peer(true);
  auto s = tls_settings(peer.port(), "localhost");
  s->tls_ca_cert = TestCerts::get().ca().string();
  SinkHarness h(s, MessageType::kBlank, fast_options(60s));
  h.push(numbered(3));
  h.start();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kConfiguration) >= 1; }));
  EXPECT_EQ(peer.read_lines(0), "");
  EXPECT_EQ(h.endpoint().queue->depth().lines, 3u);
}

TEST(SyslogTlsContext, BadKeyMaterialIsReportedWithoutTheKey) {
  SyslogSinkSettings s;
  s.address = "127.0.0.1";
  s.tls_client_cert = "/nonexistent/client.pem";
  s.tls_client_key = "/nonexistent/client.key";
  auto r = make_syslog_tls_context(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("tls_client_cert /nonexistent/client.pem"), std::string::npos)
      << r.error().message();

  s.tls_client_cert.clear();
  s.tls_client_key = "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n";
  r = make_syslog_tls_context(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("tls_client_key (inline PEM)"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find("U0VDUkVU"), std::string::npos);

  s.tls_client_key.clear();
  s.tls_ca_cert = "/nonexistent/ca.pem";
  r = make_syslog_tls_context(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("tls_ca_cert /nonexistent/ca.pem"), std::string::npos);
}

TEST(SyslogTlsSink, UnreadableCaIsAConfigurationError) {
  uint16_t port = unused_port();
  auto s = tls_settings(port, "localhost");
  s->tls_ca_cert = "/nonexistent/ca.pem";
  SinkHarness h(s, MessageType::kBlank, fast_options());
  h.push({"x"});
  h.start();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kConfiguration) >= 1; }));
  EXPECT_EQ(h.state(), "error");
  EXPECT_EQ(h.errors(ErrorClass::kRetryable), 0u);
}

}  // namespace
}  // namespace sluice

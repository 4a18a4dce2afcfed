#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net/destination_policy.h"
#include "sinks/syslog/request_builder.h"
#include "syslog_test_support.h"

namespace sluice {
namespace {

using namespace sluice::testing;

std::string joined_with_newlines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(SyslogSink, TcpDeliversExactLinesInOrderAndAcksThem) {
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options());
  auto lines = numbered(2000);
  h.push(lines);
  h.start();
  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_lines(lines.size()), joined_with_newlines(lines));
  ASSERT_TRUE(eventually([&] { return h.counters().delivered == lines.size(); }));
  uint64_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  EXPECT_EQ(h.counters().delivered_bytes.load(), bytes);
  EXPECT_EQ(h.endpoint().queue->depth().lines, 0u);
  EXPECT_EQ(h.counters().retried.load(), 0u);
  EXPECT_GT(h.counters().latency_count.load(), 0u);
  auto snap = h.endpoint().status.snapshot();
  EXPECT_EQ(snap.state, EndpointState::kOk);
  EXPECT_TRUE(snap.last_success.has_value());
}

// The policy is checked on what `address` resolves to, before any connection: the peer never
// sees one, the error names the address and the rule, and the lines stay queued.
TEST(SyslogSink, TheDestinationPolicyRefusesTheResolvedAddressBeforeConnecting) {
  for (bool udp : {false, true}) {
    TcpPeer peer;
    auto settings = tcp_settings(peer.port());
    settings->address = "localhost";
    settings->udp = udp;
    SecurityConfig security;
    security.deny_networks = {"127.0.0.0/8", "::1"};
    auto policy = std::make_shared<const DestinationPolicy>(
        DestinationPolicy::create(security, {}, {}).value());
    SinkHarness h(settings, MessageType::kBlank, fast_options(), 64 << 20, policy);
    h.push({"held"});
    h.start();
    ASSERT_TRUE(eventually([&] {
      auto snap = h.endpoint().status.snapshot();
      return snap.last_error.has_value();
    }));
    auto snap = h.endpoint().status.snapshot();
    EXPECT_EQ(snap.last_error->error_class, ErrorClass::kConfiguration);
    const std::string& m = snap.last_error->message;
    EXPECT_EQ(m.rfind(fmt::format("connect localhost:{}: destination ", peer.port()), 0), 0u) << m;
    EXPECT_NE(m.find("is refused by the destination policy"), std::string::npos) << m;
    EXPECT_FALSE(peer.accept(std::chrono::milliseconds(0)));
    EXPECT_EQ(h.endpoint().queue->depth().lines, 1u);
  }
}

TEST(SyslogSink, LinesArriveWhilePumpingAfterStart) {
  // Lines pushed after the sink went idle must wake it (the data callback).
  TcpPeer peer;
  SyslogSinkOptions options = fast_options();
  options.tick = std::chrono::seconds(30);  // no polling: only the callback can wake the sink
  SinkHarness h(tcp_settings(peer.port()), MessageType::kClassic, options);
  h.start();
  ASSERT_TRUE(peer.accept());
  ASSERT_TRUE(eventually([&] { return h.state() == "ok"; }));
  std::this_thread::sleep_for(50ms);
  h.push({"late line"});
  std::string got = peer.read_lines(1);
  EXPECT_NE(got.find("<134>"), std::string::npos) << got;
  EXPECT_NE(got.find(" testhost to_syslog: late line\n"), std::string::npos) << got;
}

TEST(SyslogSink, LinesStayLeasedUntilTheHoldHasPassed) {
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options(1500ms));
  h.push(numbered(10));
  h.start();
  ASSERT_TRUE(peer.accept());
  ASSERT_EQ(split_lines(peer.read_lines(10)).size(), 10u);
  auto received_at = std::chrono::steady_clock::now();
  // The receiver has every byte, but the sink must not count them yet.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(h.counters().delivered.load(), 0u);
  EXPECT_EQ(h.endpoint().queue->depth().leased_lines, 10u);
  ASSERT_TRUE(eventually([&] { return h.counters().delivered == 10; }));
  EXPECT_GE(std::chrono::steady_clock::now() - received_at, 1200ms);
  EXPECT_EQ(h.endpoint().queue->depth().lines, 0u);
}

TEST(SyslogSink, LinesUnreadByAStalledReceiverAreNotAcked) {
  // The receiver reads nothing. Its kernel acknowledges what fits in its receive buffer, the
  // rest waits in ours, and none of it may count as delivered: a receiver killed now loses it
  // all. The sink sees the stall in the receiver's shrinking window.
  TcpPeer peer;
  SyslogSinkOptions options = fast_options(50ms);
  options.take_max_bytes = 8 * 1024;  // small writes: many leases, some wholly in its buffer
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, options);
  auto lines = numbered(40000, std::string(500, 'p'));  // 20 MB: more than both buffers hold
  std::thread pusher([&] { h.push(lines); });
  h.start();
  ASSERT_TRUE(peer.accept());
  // Wait until the writes stall.
  size_t last = 0;
  EXPECT_TRUE(eventually([&] {
    size_t now = peer.unread_bytes();
    bool stable = now > 0 && now == last;
    last = now;
    std::this_thread::sleep_for(300ms);
    return stable;
  }));
  uint64_t delivered = h.counters().delivered;
  uint64_t acked_wire_bytes = h.counters().delivered_bytes + delivered;  // + one '\n' per line
  // At most what was acked in the first moments, before the receiver's buffer filled up.
  EXPECT_LT(acked_wire_bytes, peer.unread_bytes() / 2);
  std::this_thread::sleep_for(500ms);  // ten times the hold
  EXPECT_EQ(h.counters().delivered.load(), delivered);
  // Once the receiver reads, everything goes through.
  std::string all = peer.read_lines(lines.size(), 60s);
  EXPECT_EQ(split_lines(all).size(), lines.size());
  pusher.join();
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == lines.size(); }));
}

TEST(SyslogSink, ResetConnectionResendsEveryUnacknowledgedLine) {
  // The receiver takes every byte into its socket buffer, then dies (RST): as with rsyslog
  // killed by SIGKILL, those lines are lost on its side and must be sent again.
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options(60s));
  auto lines = numbered(500);
  h.push(lines);
  h.start();
  ASSERT_TRUE(peer.accept());
  ASSERT_EQ(peer.read_lines(lines.size()), joined_with_newlines(lines));
  peer.reset_client();

  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_lines(lines.size()), joined_with_newlines(lines));
  EXPECT_EQ(h.counters().retried.load(), lines.size());
  EXPECT_GE(h.errors(ErrorClass::kRetryable), 1u);
  EXPECT_EQ(h.counters().delivered.load(), 0u);  // the hold is a minute: nothing acked yet
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_EQ(snap.last_error->error_class, ErrorClass::kRetryable);
  EXPECT_NE(snap.last_error->message.find("127.0.0.1:" + std::to_string(peer.port())),
            std::string::npos)
      << snap.last_error->message;
  EXPECT_TRUE(eventually([&] { return h.state() == "ok"; }));
}

TEST(SyslogSink, GracefulCloseMidStreamResendsFromTheFirstUnacknowledgedLine) {
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options(60s));
  auto lines = numbered(300);
  h.push(lines);
  h.start();
  ASSERT_TRUE(peer.accept());
  peer.read_lines(100);
  peer.close_client();  // FIN (or RST if unread data is left): the sink must notice either way

  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_lines(lines.size()), joined_with_newlines(lines));
  EXPECT_GT(h.counters().retried.load(), 0u);
}

TEST(SyslogSink, AckedLinesAreNotResentAfterALaterBreak) {
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options(100ms));
  h.push(numbered(50, "a"));
  h.start();
  ASSERT_TRUE(peer.accept());
  peer.read_lines(50);
  ASSERT_TRUE(eventually([&] { return h.counters().delivered == 50; }));
  peer.reset_client();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kRetryable) >= 1; }));
  h.push(numbered(5, "b"));
  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_lines(5), joined_with_newlines(numbered(5, "b")));
  EXPECT_EQ(h.counters().retried.load(), 0u);
}

TEST(SyslogSink, IdleConnectionNoticesThePeerClosingAndReconnects) {
  TcpPeer peer;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, fast_options());
  h.start();
  ASSERT_TRUE(peer.accept());
  ASSERT_TRUE(eventually([&] { return h.state() == "ok"; }));
  peer.close_client();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kRetryable) == 1; }));
  EXPECT_TRUE(peer.accept(5s));
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("closed by the receiver"), std::string::npos)
      << snap.last_error->message;
}

TEST(SyslogSink, RetriesWithBackoffUntilTheReceiverComesUp) {
  uint16_t port = unused_port();
  SinkHarness h(tcp_settings(port), MessageType::kBlank, fast_options());
  h.push(numbered(5));
  h.start();
  ASSERT_TRUE(eventually([&] { return h.errors(ErrorClass::kRetryable) >= 3; }));
  EXPECT_EQ(h.state(), "retrying");
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("refused"), std::string::npos)
      << snap.last_error->message;
  EXPECT_EQ(h.endpoint().queue->depth().lines, 5u);

  TcpPeer peer(port);
  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_lines(5), joined_with_newlines(numbered(5)));
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == 5; }));
  EXPECT_EQ(h.state(), "ok");
}

TEST(SyslogSink, StuckReceiverTimesOutAndReconnects) {
  TcpPeer peer;
  SyslogSinkOptions options = fast_options(50ms);
  options.write_timeout = 500ms;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, options);
  auto lines = numbered(20000, std::string(500, 's'));  // 10 MB: the writes block
  std::thread pusher([&] { h.push(lines); });
  h.start();
  ASSERT_TRUE(peer.accept());
  EXPECT_TRUE(eventually([&] { return h.errors(ErrorClass::kRetryable) >= 1; }));
  auto snap = h.endpoint().status.snapshot();
  ASSERT_TRUE(snap.last_error.has_value());
  EXPECT_NE(snap.last_error->message.find("timeout"), std::string::npos)
      << snap.last_error->message;
  // The new connection gets everything, from the first line.
  ASSERT_TRUE(peer.accept());
  std::string all = peer.read_lines(lines.size(), 60s);
  EXPECT_EQ(split_lines(all).size(), lines.size());
  EXPECT_EQ(all.substr(0, lines[0].size() + 1), lines[0] + "\n");
  pusher.join();
}

TEST(SyslogSink, SlowButMovingReceiverIsNotTimedOut) {
  TcpPeer peer;
  SyslogSinkOptions options = fast_options(50ms);
  options.write_timeout = 500ms;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, options);
  auto lines = numbered(20000, std::string(500, 'm'));
  std::thread pusher([&] { h.push(lines); });
  h.start();
  ASSERT_TRUE(peer.accept());
  // Reads a little every 200 ms: each write takes far longer than the timeout to finish.
  auto until = std::chrono::steady_clock::now() + 3s;
  size_t want = 0;
  while (std::chrono::steady_clock::now() < until) {
    want += 256 * 1024;  // more than one loopback MSS (64 KiB), so the window reopens
    peer.read_bytes(want, 1s);
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(h.errors(ErrorClass::kRetryable), 0u);
  peer.read_lines(lines.size(), 60s);
  pusher.join();
}

TEST(SyslogSink, OctetCountingFraming) {
  TcpPeer peer;
  auto settings = tcp_settings(peer.port());
  settings->octet_counting = true;
  settings->token = "tok";
  SinkHarness h(settings, MessageType::kBlank, fast_options());
  h.push({"one", "line two"});
  h.start();
  ASSERT_TRUE(peer.accept());
  EXPECT_EQ(peer.read_bytes(24), "7 tok one12 tok line two");
}

TEST(SyslogSink, FullWindowPausesTakingUntilAcksFreeIt) {
  TcpPeer peer;
  SyslogSinkOptions options = fast_options(200ms);
  options.window_max_bytes = 1000;
  options.take_max_bytes = 500;
  SinkHarness h(tcp_settings(peer.port()), MessageType::kBlank, options);
  auto lines = numbered(400, std::string(40, 'x'));  // ~20 KB: many windows' worth
  h.push(lines);
  h.start();
  ASSERT_TRUE(peer.accept());
  std::this_thread::sleep_for(100ms);
  // Within the first hold only about one window may be out: takes stop once it holds 1000 bytes,
  // so at most one take (~12 lines) beyond that.
  EXPECT_LE(h.endpoint().queue->depth().leased_lines, 40u);
  EXPECT_EQ(peer.read_lines(lines.size(), 30s), joined_with_newlines(lines));
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == lines.size(); }));
}

TEST(SyslogSink, StopLeavesUnacknowledgedLinesQueuedInOrder) {
  TcpPeer peer;
  auto h = std::make_unique<SinkHarness>(tcp_settings(peer.port()), MessageType::kBlank,
                                         fast_options(60s));
  auto lines = numbered(100);
  h->push(lines);
  h->start();
  ASSERT_TRUE(peer.accept());
  peer.read_lines(lines.size());
  ASSERT_TRUE(eventually([&] { return h->endpoint().queue->depth().leased_lines == 100; }));
  h->stop();
  EndpointQueue& q = *h->endpoint().queue;
  EXPECT_EQ(q.depth().lines, 100u);
  EXPECT_EQ(q.depth().leased_lines, 0u);
  Lease lease;
  ASSERT_TRUE(q.take(1000, 1 << 20, lease));
  ASSERT_EQ(lease.lines.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(lease.lines.line(i), lines[i]);
  q.nack(lease);
  EXPECT_EQ(h->counters().delivered.load(), 0u);
}

// UDP receiver on 127.0.0.1.
class UdpPeer {
 public:
  UdpPeer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    int size = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~UdpPeer() { ::close(fd_); }
  uint16_t port() const { return port_; }
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 5s) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(timeout.count())) != 1) return std::nullopt;
    std::string buf(70000, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(size_t(n));
    return buf;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(SyslogSink, UdpSendsOneDatagramPerLineAndCutsOversizedOnes) {
  UdpPeer peer;
  auto settings = tcp_settings(peer.port());
  settings->udp = true;
  SinkHarness h(settings, MessageType::kLoggly, fast_options());
  auto lines = numbered(50);
  lines.push_back(std::string(70000, 'L'));
  h.push(lines);
  h.start();
  for (size_t i = 0; i < lines.size(); ++i) {
    auto d = peer.receive();
    ASSERT_TRUE(d.has_value()) << "datagram " << i;
    EXPECT_EQ(d->rfind("<134>1 ", 0), 0u) << *d;
    if (i < 50) {
      EXPECT_EQ(d->substr(d->size() - lines[i].size() - 7), " - - - " + lines[i]);
    } else {
      EXPECT_EQ(d->size(), kMaxSyslogDatagramBytes);
    }
  }
  EXPECT_TRUE(eventually([&] { return h.counters().delivered == lines.size(); }));
  EXPECT_EQ(h.counters().truncated.load(), 1u);
  EXPECT_EQ(h.endpoint().queue->depth().lines, 0u);
}

}  // namespace
}  // namespace sluice

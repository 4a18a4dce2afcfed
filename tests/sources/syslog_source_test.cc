#include "sources/syslog/syslog_source.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "source_harness.h"
#include "sources/stream_framer.h"
#include "tls_test_cert.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using testing::SourceHarness;

constexpr std::string_view kConfig = R"toml(
[[service]]
id = "svc1"

  [[service.logging]]
  type = "file"
  name = "requests"
  path = "/dev/null"
  format = '%m %U %>s'

  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  placement = "none"
  format = '-'
)toml";

SourceConfig syslog_config(Transport transport) {
  SourceConfig c;
  c.type = SourceType::kSyslog;
  c.listen = {"127.0.0.1", 0};
  c.transport = transport;
  c.service = "svc1";
  return c;
}

void send_tcp(uint16_t port, std::string_view data) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(s, asio::buffer(data));
  s.shutdown(tcp::socket::shutdown_send);
}

void send_udp(uint16_t port, const std::vector<std::string>& datagrams) {
  asio::io_context io;
  udp::socket s(io, udp::v4());
  for (const auto& d : datagrams) {
    s.send_to(asio::buffer(d), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
}

constexpr std::string_view kRecord = R"({"req.method":"GET","req.url":"/a?b=1","resp.status":200})";

// What every transport is sent, in its own framing: a 3164 record, a bare log statement, a 5424
// log statement, and a line that is neither.
std::vector<std::string> sample_messages() {
  return {fmt::format("<190>Nov 21 08:00:00 web-1 nginx: {}", kRecord),
          "syslog svc1 logs :: hello world", "<13>1 - h app - - - syslog svc1 logs :: via 5424",
          "not a statement"};
}

void expect_sample_delivered(SourceHarness& h) {
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "requests"), 1),
            std::vector<std::string>{"GET /a 200"});
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 2),
            (std::vector<std::string>{"hello world", "via 5424"}));
  EXPECT_TRUE(SourceHarness::eventually([&] { return h.counters().messages.load() == 4; }))
      << h.counters().messages.load();
  EXPECT_EQ(h.counters().rejected.load(), 1u);
}

TEST(SyslogSource, TcpLineFeed) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  ASSERT_NE(source.port(), 0);
  EXPECT_EQ(source.describe(), fmt::format("syslog tcp 127.0.0.1:{}", source.port()));

  std::string stream;
  for (const auto& m : sample_messages()) stream += m + "\n";
  send_tcp(source.port(), stream);
  expect_sample_delivered(h);
  EXPECT_EQ(h.counters().bytes.load(), stream.size());
  EXPECT_EQ(h.counters().connections.load(), 1u);
}

TEST(SyslogSource, TcpOctetCounting) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  std::string stream;
  for (const auto& m : sample_messages()) stream += fmt::format("{} {}", m.size(), m);
  send_tcp(source.port(), stream);
  expect_sample_delivered(h);
}

TEST(SyslogSource, TcpFramingIsPerConnection) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  send_tcp(source.port(), "syslog svc1 logs :: lf one\nsyslog svc1 logs :: lf two\n");
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 2).size(), 2u);
  std::string counted = "syslog svc1 logs :: counted";
  send_tcp(source.port(), fmt::format("{} {}", counted.size(), counted));
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 1),
            std::vector<std::string>{"counted"});
}

TEST(SyslogSource, Udp) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kUdp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  EXPECT_EQ(source.describe(), fmt::format("syslog udp 127.0.0.1:{}", source.port()));
  auto messages = sample_messages();
  messages[1] += "\n";  // a trailing newline in a datagram is framing
  send_udp(source.port(), messages);
  expect_sample_delivered(h);
  EXPECT_EQ(source.kernel_drops(), 0u);
}

TEST(SyslogSource, UdpMultiLineDatagramIsOneMessage) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kUdp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  send_udp(source.port(), {"syslog svc1 logs :: first\nsecond"});
  // The line rules cut the message at its newline (and count it); the second line is not a
  // message of its own.
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 1),
            std::vector<std::string>{"first"});
  EXPECT_EQ(h.endpoint("svc1", "logs").counters.cut_at_newline.load(), 1u);
  EXPECT_EQ(h.counters().messages.load(), 1u);
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] std::string file(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

TEST(SyslogSource, Tls) {
  TempDir dir;
  SourceConfig config = syslog_config(Transport::kTls);
  config.tls_cert = dir.file("cert.pem");
  config.tls_key = dir.file("key.pem");
  ASSERT_TRUE(testing::write_self_signed_cert(config.tls_cert, config.tls_key));
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SyslogSource source(h.context(config));
  Status started = source.start();
  ASSERT_TRUE(started.ok()) << started.error().message();

  std::string stream;
  for (const auto& m : sample_messages()) stream += m + "\n";
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> client(io, tls);
  client.lowest_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), source.port()));
  client.handshake(asio::ssl::stream_base::client);
  asio::write(client, asio::buffer(stream));
  boost::system::error_code ec;
  client.shutdown(ec);
  expect_sample_delivered(h);
}

TEST(SyslogSource, TlsFilesAreChecked) {
  TempDir dir;
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTls);
  config.tls_cert = dir.file("missing.pem");
  config.tls_key = dir.file("missing.key");
  SyslogSource missing(h.context(config));
  Status s = missing.start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("tls_cert \"" + config.tls_cert + "\""), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("No such file"), std::string::npos) << s.error().message();

  // A key that is not a PEM key.
  config.tls_cert = dir.file("cert.pem");
  config.tls_key = dir.file("key.pem");
  ASSERT_TRUE(testing::write_self_signed_cert(config.tls_cert, config.tls_key));
  config.tls_key = config.tls_cert;
  SyslogSource bad(h.context(config));
  s = bad.start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("tls_key"), std::string::npos) << s.error().message();
}

TEST(SyslogSource, PortInUseIsReportedAtStart) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  for (Transport t : {Transport::kTcp, Transport::kUdp}) {
    SourceConfig config = syslog_config(t);
    SyslogSource first(h.context(config));
    ASSERT_TRUE(first.start().ok());
    config.listen.port = first.port();
    SyslogSource second(h.context(config));
    Status s = second.start();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message().find(fmt::format("127.0.0.1:{}", first.port())),
              std::string::npos)
        << s.error().message();
    EXPECT_NE(s.error().message().find("in use"), std::string::npos) << s.error().message();
  }
}

TEST(SyslogSource, LongLinesAreCutAndCounted) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  std::string huge = "syslog svc1 logs :: " + std::string(200 * 1024, 'x');
  send_tcp(source.port(), huge + "\nsyslog svc1 logs :: after\n");
  auto lines = SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(kDefaultMaxLineBytes, 'x'));
  EXPECT_EQ(lines[1], "after");
  EXPECT_EQ(h.endpoint("svc1", "logs").counters.truncated.load(), 1u);
  EXPECT_EQ(h.counters().messages.load(), 2u);
}

TEST(SyslogSource, StopFlushesWhatWasRead) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  auto source = std::make_unique<SyslogSource>(h.context(config));
  ASSERT_TRUE(source->start().ok());
  asio::io_context io;
  tcp::socket client(io);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), source->port()));
  // The last line is unterminated: it is still a line when the connection is closed by stop().
  asio::write(client,
              asio::buffer(std::string("syslog svc1 logs :: one\nsyslog svc1 logs :: two")));
  ASSERT_TRUE(SourceHarness::eventually([&] { return h.counters().messages.load() == 1; }));
  source->stop();
  EXPECT_EQ(SourceHarness::take_all(h.endpoint("svc1", "logs")),
            (std::vector<std::string>{"one", "two"}));
  // The connection was closed: the client reads EOF.
  char byte;
  boost::system::error_code ec;
  client.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

// With when_full = block, a full queue stops the connection from reading: nothing is lost, the
// sender is held back, and the stream resumes in order once the queue drains.
TEST(SyslogSource, TcpBackpressureLosesNothing) {
  SourceHarness h(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  queue_max_bytes = 65536
  when_full = "block"
)toml");
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  EndpointChannel& logs = h.endpoint("svc1", "logs");

  constexpr size_t kLines = 40000;
  std::string stream;
  for (size_t i = 0; i < kLines; ++i) {
    stream += fmt::format("syslog svc1 logs :: line {:06} {}\n", i, std::string(60, 'p'));
  }
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    send_tcp(source.port(), stream);
    sent = true;
  });

  // Nobody drains the queue: it fills to its bound and the source stops reading.
  ASSERT_TRUE(SourceHarness::eventually([&] { return logs.queue->depth().bytes > 60000; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t read_while_full = h.counters().bytes.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(h.counters().bytes.load(), read_while_full) << "the source kept reading";
  EXPECT_LT(read_while_full, stream.size() / 4);
  EXPECT_LE(logs.queue->depth().bytes, 65536u);

  // Drain like a sink; every line arrives once, in order.
  auto lines = SourceHarness::wait_lines(logs, kLines, std::chrono::milliseconds(30000));
  sender.join();
  EXPECT_TRUE(sent);
  ASSERT_EQ(lines.size(), kLines);
  for (size_t i = 0; i < kLines; i += 997) {
    EXPECT_EQ(lines[i], fmt::format("line {:06} {}", i, std::string(60, 'p')));
  }
  EXPECT_EQ(lines.back(), fmt::format("line {:06} {}", kLines - 1, std::string(60, 'p')));
  EXPECT_EQ(logs.counters.dropped[size_t(DropReason::kQueueFull)].load(), 0u);
  EXPECT_EQ(logs.counters.received.load(), kLines);
}

// UDP cannot push back. With when_full = block and nobody draining, the source holds lines up
// to a bound, then pauses and the kernel drops datagrams; those drops are counted. Every
// datagram sent is either delivered or counted as dropped.
TEST(SyslogSource, UdpOverloadIsCountedNotSilent) {
  SourceHarness h(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  queue_max_bytes = 65536
)toml");
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kUdp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  EndpointChannel& logs = h.endpoint("svc1", "logs");

  // More than the held bound (4 MiB) and the kernel buffer together.
  constexpr size_t kDatagrams = 20000;
  std::vector<std::string> burst;
  for (size_t i = 0; i < kDatagrams; ++i) {
    burst.push_back(fmt::format("syslog svc1 logs :: {:06} {}", i, std::string(1000, 'u')));
  }
  send_udp(source.port(), burst);
  // Let the source take what it can, then drain; a marker sent afterwards arrives last.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<std::string> lines;
  auto drain_until_marker = [&] {
    for (auto& l : SourceHarness::take_all(logs)) lines.push_back(std::move(l));
    return !lines.empty() && lines.back() == "marker";
  };
  // Markers sent while the source is still paused may be dropped too: they count as sent.
  size_t markers = 0;
  ASSERT_TRUE(SourceHarness::eventually(
      [&] {
        drain_until_marker();
        send_udp(source.port(), {"syslog svc1 logs :: marker"});
        ++markers;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return drain_until_marker();
      },
      std::chrono::milliseconds(20000)));
  EXPECT_GT(source.kernel_drops(), 0u) << "the kernel never dropped: the test did not overload";
  EXPECT_EQ(lines.size() + source.kernel_drops(), kDatagrams + markers)
      << lines.size() << " delivered, " << source.kernel_drops() << " dropped, " << markers
      << " markers";
  // What was delivered is in order.
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i] == "marker" || lines[i - 1] == "marker") continue;
    ASSERT_LT(lines[i - 1], lines[i]) << "at " << i;
  }
}

TEST(SyslogSource, OctetFramesMayEndWithANewline) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  std::string a = "<13>syslog svc1 logs :: a\n", b = "<13>syslog svc1 logs :: b\r\n";
  send_tcp(source.port(), fmt::format("{} {}{} {}", a.size(), a, b.size(), b));
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), 2),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.endpoint("svc1", "logs").counters.cut_at_newline.load(), 0u);
}

// Issue 14: a frame claiming nearly a gigabyte used to swallow about a thousand frames after it.
// It is refused and counted as rejected, and every good frame after it is delivered.
TEST(SyslogSource, HugeOctetCountIsRefusedAndCountedAndTheFollowingFramesDelivered) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  std::string stream = "999999999 <134>1 2026-11-21T08:00:00Z host app - - - syslog svc1 logs :: x";
  std::vector<std::string> want;
  for (int i = 0; i < 995; ++i) {
    want.push_back(fmt::format("good {}", i));
    std::string m = "<134>1 2026-11-21T08:00:00Z host app - - - syslog svc1 logs :: " + want.back();
    stream += fmt::format("{} {}", m.size(), m);
  }
  send_tcp(source.port(), stream);
  EXPECT_EQ(SourceHarness::wait_lines(h.endpoint("svc1", "logs"), want.size()), want);
  EXPECT_TRUE(SourceHarness::eventually([&] { return h.counters().messages.load() == 996; }))
      << h.counters().messages.load();
  EXPECT_EQ(h.counters().rejected.load(), 1u);
}

// Issue 14: a 5424 message behind 10 KB of structured data. Its frame is longer than the framer
// keeps, though its payload alone fits the service's 64 KiB: in LF framing it is cut, and the cut
// is counted; octet-counted, its length is refused, and counted as rejected.
TEST(SyslogSource, MessageBehindLargeStructuredDataIsNeverCutSilently) {
  SourceHarness h(R"toml(
[[service]]
id = "svc1"
max_line_bytes = 65536
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  placement = "none"
)toml");
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  std::string header = "<134>1 2026-11-21T08:00:00Z host app - - [big@1 data=\"" +
                       std::string(10 * 1024, 'd') + "\"] ";
  std::string message = "syslog svc1 logs :: " + std::string(60000, 'x');
  ASSERT_GT(header.size() + message.size(), kMaxFrameBytes);
  ASSERT_LT(message.size(), kLargeMaxLineBytes);
  EndpointChannel& logs = h.endpoint("svc1", "logs");

  send_tcp(source.port(), header + message + "\nsyslog svc1 logs :: after\n");
  auto lines = SourceHarness::wait_lines(logs, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(kMaxFrameBytes - header.size() - 20, 'x'));
  EXPECT_EQ(lines[1], "after");
  EXPECT_EQ(logs.counters.truncated.load(), 1u);
  EXPECT_EQ(h.counters().rejected.load(), 0u);

  std::string after = "<13>syslog svc1 logs :: after";
  send_tcp(source.port(), fmt::format("{} {}{}{} {}", header.size() + message.size(), header,
                                      message, after.size(), after));
  EXPECT_EQ(SourceHarness::wait_lines(logs, 1), std::vector<std::string>{"after"});
  EXPECT_TRUE(SourceHarness::eventually([&] { return h.counters().rejected.load() == 1; }));
  EXPECT_EQ(logs.counters.truncated.load(), 1u);
}

TEST(SyslogSource, UnknownEndpointIsRejectedAndCounted) {
  SourceHarness h(kConfig);
  ASSERT_TRUE(h.ok());
  SourceConfig config = syslog_config(Transport::kTcp);
  SyslogSource source(h.context(config));
  ASSERT_TRUE(source.start().ok());
  send_tcp(source.port(), "syslog svc1 Logs :: wrong case\n");
  ASSERT_TRUE(SourceHarness::eventually([&] { return h.counters().rejected.load() == 1; }));
  auto unknown = h.topology().unknown_counts();
  EXPECT_EQ((unknown[{"svc1", "Logs"}]), 1u);
}

}  // namespace
}  // namespace sluice

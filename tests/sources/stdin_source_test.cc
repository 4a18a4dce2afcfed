#include "sources/stdin/stdin_source.h"

#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "source_harness.h"

namespace sluice {
namespace {

using testing::SourceHarness;

constexpr std::string_view kConfig = R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "requests"
  path = "/dev/null"
  format = '%m %U'
  [[service.logging]]
  type = "file"
  name = "logs"
  path = "/dev/null"
  placement = "none"
)toml";

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    ASSERT_GT(n, 0);
    s.remove_prefix(size_t(n));
  }
}

TEST(StdinSource, ReadsUntilEndOfFileAndFinishes) {
  SourceHarness h(kConfig, 0);
  ASSERT_TRUE(h.ok());
  SourceConfig config;
  config.type = SourceType::kStdin;
  config.service = "svc1";
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  StdinSource source(h.context(config), p[0]);
  EXPECT_EQ(source.describe(), "stdin (service \"svc1\")");
  ASSERT_TRUE(source.start().ok());
  write_all(p[1], "{\"req.method\":\"GET\",\"req.url\":\"/a\"}\nsyslog svc1 logs :: hi\n");
  write_all(p[1], "garbage\r\n\nsyslog svc1 logs :: last, unterminated");
  EXPECT_FALSE(source.finished());
  ::close(p[1]);
  ASSERT_TRUE(SourceHarness::eventually([&] { return source.finished(); }));
  EXPECT_EQ(SourceHarness::take_all(h.endpoint("svc1", "requests")),
            std::vector<std::string>{"GET /a"});
  EXPECT_EQ(SourceHarness::take_all(h.endpoint("svc1", "logs")),
            (std::vector<std::string>{"hi", "last, unterminated"}));
  EXPECT_EQ(h.counters().messages.load(), 4u);
  EXPECT_EQ(h.counters().rejected.load(), 1u);
  source.stop();
  ::close(p[0]);
}

TEST(StdinSource, PayloadKindIsForced) {
  SourceHarness h(kConfig, 0);
  ASSERT_TRUE(h.ok());
  SourceConfig config;
  config.type = SourceType::kStdin;
  config.service = "svc1";
  config.payload = PayloadKind::kLog;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  StdinSource source(h.context(config), p[0]);
  ASSERT_TRUE(source.start().ok());
  write_all(p[1], "{\"req.method\":\"GET\"}\nsyslog svc1 logs :: ok\n");
  ::close(p[1]);
  ASSERT_TRUE(SourceHarness::eventually([&] { return source.finished(); }));
  EXPECT_EQ(h.counters().rejected.load(), 1u);  // a record where only statements are allowed
  EXPECT_EQ(SourceHarness::take_all(h.endpoint("svc1", "logs")), std::vector<std::string>{"ok"});
  ::close(p[0]);
}

TEST(StdinSource, StopWakesABlockedReader) {
  SourceHarness h(kConfig, 0);
  ASSERT_TRUE(h.ok());
  SourceConfig config;
  config.type = SourceType::kStdin;
  config.service = "svc1";
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  StdinSource source(h.context(config), p[0]);
  ASSERT_TRUE(source.start().ok());
  write_all(p[1], "syslog svc1 logs :: before stop");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  source.stop();  // returns although the writer never closed the pipe
  EXPECT_FALSE(source.finished());
  EXPECT_EQ(SourceHarness::take_all(h.endpoint("svc1", "logs")),
            std::vector<std::string>{"before stop"});
  ::close(p[1]);
  ::close(p[0]);
}

}  // namespace
}  // namespace sluice

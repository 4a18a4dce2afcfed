#include "sinks/file/sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sinks/file/config.h"

namespace sluice {
namespace {

// One file endpoint: its channel, and a sink on the given loop.
struct FileEndpoint {
  FileEndpoint(boost::asio::io_context& io, const std::string& name, const std::string& path)
      : channel("svc", name, make_memory_queue(1ull << 30, WhenFull::kBlock)) {
    auto settings = std::make_shared<FileSinkSettings>();
    settings->path = path;
    auto config = std::make_shared<EndpointConfig>();
    config->type = "file";
    config->name = name;
    config->message_type = MessageType::kBlank;
    config->settings = settings;
    SinkContext ctx{channel, config, io, "testhost"};
    sink = make_file_sink(ctx);
  }
  void push(size_t lines) {
    LineBatch batch;
    for (size_t i = 0; i < lines; ++i) batch.add("line " + std::to_string(i));
    EXPECT_EQ(channel.queue->push(batch).accepted, lines);
  }
  EndpointChannel channel;
  std::unique_ptr<Sink> sink;
};

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "file_sink_test_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// Sinks share a delivery loop: one with a large backlog must let the others write between its
// batches instead of holding the loop until its queue is empty.
TEST_F(FileSinkTest, ABusyFileEndpointYieldsTheLoopToTheOthers) {
  boost::asio::io_context io;
  FileEndpoint busy(io, "busy", dir_ + "/busy.log");
  FileEndpoint quiet(io, "quiet", dir_ + "/quiet.log");
  constexpr size_t kBacklog = 200000;
  busy.push(kBacklog);
  quiet.push(1);
  busy.sink->start();
  quiet.sink->start();
  // Handlers run one at a time, in the order they were posted: the busy sink's first turn, then
  // the quiet one's.
  while (quiet.channel.counters.delivered.load() == 0) ASSERT_EQ(io.run_one(), 1u);
  EXPECT_GT(busy.channel.counters.delivered.load(), 0u);
  EXPECT_LT(busy.channel.counters.delivered.load(), kBacklog)
      << "the quiet endpoint waited for the whole backlog";
  while (busy.channel.counters.delivered.load() < kBacklog) ASSERT_EQ(io.run_one(), 1u);
  busy.sink->stop();
  quiet.sink->stop();
  std::ifstream in(dir_ + "/busy.log");
  size_t lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, kBacklog);
}

}  // namespace
}  // namespace sluice

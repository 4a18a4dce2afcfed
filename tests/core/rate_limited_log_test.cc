#include "core/rate_limited_log.h"

#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "file_text.h"

namespace sluice {
namespace {

using testing::file_text;

TEST(RateLimitedLog, OneLinePerIntervalWithASuppressedCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  RateLimitedLog log("src", std::chrono::milliseconds(200), f);
  for (int i = 0; i < 50; ++i) log.log("bad message {}", i);
  EXPECT_EQ(file_text(f), "src: bad message 0\n");
  EXPECT_EQ(log.suppressed_total(), 49u);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  std::fseek(f, 0, SEEK_END);
  log.log("bad message {}", 50);
  EXPECT_EQ(file_text(f),
            "src: bad message 0\nsrc: bad message 50 (49 more suppressed since the last report)\n");
  EXPECT_EQ(log.written(), 2u);
  std::fclose(f);
}

}  // namespace
}  // namespace sluice

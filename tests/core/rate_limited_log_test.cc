#include "core/rate_limited_log.h"

#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

TEST(RateLimitedLog, OneLinePerIntervalWithASuppressedCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  RateLimitedLog log("src", std::chrono::milliseconds(200), f);
  for (int i = 0; i < 50; ++i) log.log("bad message {}", i);
  EXPECT_EQ(contents(f), "src: bad message 0\n");
  EXPECT_EQ(log.suppressed_total(), 49u);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  std::fseek(f, 0, SEEK_END);
  log.log("bad message {}", 50);
  EXPECT_EQ(contents(f),
            "src: bad message 0\nsrc: bad message 50 (49 more suppressed since the last report)\n");
  EXPECT_EQ(log.written(), 2u);
  std::fclose(f);
}

}  // namespace
}  // namespace sluice

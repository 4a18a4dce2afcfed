#include "core/fd_limit.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(FdLimit, RaisesTheSoftLimitToTheHardOne) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max < 512) GTEST_SKIP() << "hard limit too low to test";
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  uint64_t now = raise_fd_limit();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, saved.rlim_max);
  EXPECT_EQ(now, saved.rlim_max == RLIM_INFINITY ? UINT64_MAX : uint64_t(saved.rlim_max));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST(FdLimit, CapsFitUnderTheLimitLessTheReserve) {
  // Room for everything: unchanged.
  EXPECT_EQ(fit_connection_caps({1024, 1024}, 1 << 20), (std::vector<uint64_t>{1024, 1024}));
  // 1,024 descriptors: 768 for connections, shared equally.
  EXPECT_EQ(fit_connection_caps({1024, 1024}, 1024), (std::vector<uint64_t>{384, 384}));
  EXPECT_EQ(fit_connection_caps({1024}, 1024), (std::vector<uint64_t>{768}));
  // A source that asked for less keeps it; the others share the rest.
  EXPECT_EQ(fit_connection_caps({100, 5000, 5000}, 1024), (std::vector<uint64_t>{100, 334, 334}));
  // Tiny limits still give each source a connection.
  EXPECT_EQ(fit_connection_caps({10, 10}, 8), (std::vector<uint64_t>{2, 2}));
}

}  // namespace
}  // namespace sluice

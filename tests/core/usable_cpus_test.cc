#include "core/usable_cpus.h"

#include <sched.h>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(UsableCpus, CgroupQuotaRoundsUp) {
  EXPECT_EQ(cpus_from_cgroup_max("200000 100000\n"), 2u);
  EXPECT_EQ(cpus_from_cgroup_max("150000 100000"), 2u);
  EXPECT_EQ(cpus_from_cgroup_max("50000 100000"), 1u);
  EXPECT_EQ(cpus_from_cgroup_max("1600000 100000"), 16u);
  EXPECT_EQ(cpus_from_cgroup_max("max 100000"), std::nullopt);
  EXPECT_EQ(cpus_from_cgroup_max(""), std::nullopt);
  EXPECT_EQ(cpus_from_cgroup_max("12x 100000"), std::nullopt);
  EXPECT_EQ(cpus_from_cgroup_max("100000 0"), std::nullopt);
}

TEST(UsableCpus, FollowsTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  unsigned all = usable_cpus();
  EXPECT_GE(all, 1u);
  EXPECT_LE(all, unsigned(CPU_COUNT(&saved)));
  // Narrowed to one CPU of the mask (as `taskset -c N` does), one is usable.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(usable_cpus(), 1u);
  ASSERT_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
}

}  // namespace
}  // namespace sluice

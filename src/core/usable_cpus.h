#pragma once

#include <optional>
#include <string_view>

namespace sluice {

// How many CPUs this process may run on: the CPUs of its affinity mask (taskset, cpusets),
// lowered to a cgroup v2 CPU quota (a container's --cpus) rounded up, and at least 1. Thread
// pools are sized from it: std::thread::hardware_concurrency() counts every online CPU, so
// under `taskset -c 0` on a 16-core machine it would start 16 threads that share one core.
[[nodiscard]] unsigned usable_cpus();

// The CPUs a cgroup v2 `cpu.max` file allows ("QUOTA PERIOD", e.g. "150000 100000" -> 2), or
// nothing for "max ..." (no quota) or text that is not a quota.
[[nodiscard]] std::optional<unsigned> cpus_from_cgroup_max(std::string_view cpu_max);

}  // namespace sluice

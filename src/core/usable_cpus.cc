#include "core/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <string>
#include <thread>

namespace sluice {

std::optional<unsigned> cpus_from_cgroup_max(std::string_view cpu_max) {
  size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view quota_text = cpu_max.substr(0, space);
  std::string_view period_text = cpu_max.substr(space + 1);
  while (!period_text.empty() && (period_text.back() == '\n' || period_text.back() == ' ')) {
    period_text.remove_suffix(1);
  }
  unsigned long long quota = 0, period = 0;
  auto q = std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
  auto p = std::from_chars(period_text.data(), period_text.data() + period_text.size(), period);
  if (q.ec != std::errc() || q.ptr != quota_text.data() + quota_text.size() ||
      p.ec != std::errc() || p.ptr != period_text.data() + period_text.size() || period == 0 ||
      quota == 0) {
    return std::nullopt;  // "max 100000" (no quota) lands here too
  }
  return unsigned(std::max(1ull, (quota + period - 1) / period));
}

unsigned usable_cpus() {
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    cpus = std::max(1, CPU_COUNT(&set));
  }
  std::ifstream cpu_max("/sys/fs/cgroup/cpu.max");
  std::string line;
  if (cpu_max && std::getline(cpu_max, line)) {
    if (auto quota = cpus_from_cgroup_max(line)) cpus = std::min(cpus, *quota);
  }
  return cpus;
}

}  // namespace sluice

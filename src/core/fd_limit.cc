#include "core/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <numeric>

namespace sluice {

uint64_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : uint64_t(limit.rlim_cur);
}

std::vector<uint64_t> fit_connection_caps(const std::vector<uint64_t>& wanted, uint64_t fd_limit) {
  uint64_t budget = fd_limit > kReservedFds * 2 ? fd_limit - kReservedFds : fd_limit / 2;
  uint64_t total = std::accumulate(wanted.begin(), wanted.end(), uint64_t{0});
  if (total <= budget || wanted.empty()) return wanted;
  // Water-filling: sources that asked for less than an equal share keep what they asked for,
  // and the rest share what remains equally.
  std::vector<uint64_t> caps(wanted.size(), 0);
  std::vector<size_t> order(wanted.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return wanted[a] < wanted[b]; });
  uint64_t left = budget;
  for (size_t i = 0; i < order.size(); ++i) {
    uint64_t share = std::max<uint64_t>(1, left / (order.size() - i));
    caps[order[i]] = std::min(wanted[order[i]], share);
    left -= std::min(left, caps[order[i]]);
  }
  return caps;
}

}  // namespace sluice

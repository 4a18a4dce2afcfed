#pragma once

#include <cstdint>
#include <vector>

namespace sluice {

// Raises the soft RLIMIT_NOFILE to the hard limit (the usual soft limit, 1,024, is far below
// what a log receiver with many senders needs) and returns the soft limit now in force.
uint64_t raise_fd_limit();

// Descriptors kept out of every source's connection budget: the API's connections, disk queue
// files, the sinks' sockets and files, and the listeners themselves. A source at its cap then
// still leaves room for /health, /metrics and the other sources.
inline constexpr uint64_t kReservedFds = 256;
// The API's own connection cap, within the reserve.
inline constexpr uint64_t kApiMaxConnections = 64;

// The connection caps of the TCP sources (syslog TCP/TLS, http, fastly), `wanted` in their
// order, fitted into `fd_limit` minus the reserve: when they ask for more in total, each gets
// an equal share of what there is (at least 1), or less when it asked for less.
[[nodiscard]] std::vector<uint64_t> fit_connection_caps(const std::vector<uint64_t>& wanted,
                                                        uint64_t fd_limit);

}  // namespace sluice

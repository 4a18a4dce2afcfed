#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace sluice {

// The warning `sluice run` prints once at start when the API is reachable from other machines.
// The API has no authentication of its own, so whoever reaches its port reads /metrics,
// /status and /errors: service ids, endpoint names and types, and destination errors, which
// name hosts, ports and buckets. None when the API is off or listens on loopback only
// (127.0.0.0/8, ::1); `bound` is the address it listens on.
[[nodiscard]] std::optional<std::string> api_exposure_warning(const ApiConfig& api,
                                                              std::string_view bound);

}  // namespace sluice

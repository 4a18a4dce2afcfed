#include "control/api_exposure.h"

#include <fmt/format.h>

#include "core/host_name.h"

namespace sluice {

std::optional<std::string> api_exposure_warning(const ApiConfig& api, std::string_view bound) {
  if (!api.enabled) return std::nullopt;
  // A name that is not an address was not bound: say nothing rather than guess.
  auto address = parse_host_name(bound);
  if (!address || !address->is_address() || address->is_loopback()) return std::nullopt;
  std::string listen =
      api.listen.host.empty() ? fmt::format("0.0.0.0:{}", api.listen.port) : api.listen.to_string();
  std::string where =
      address->is_unspecified() ? fmt::format("every address ({})", listen) : listen;
  return fmt::format(
      "warning: the API listens on {}, beyond loopback, and has no authentication: anyone who "
      "can reach that port can read /metrics, /status and /errors (service ids, endpoint names, "
      "and destination errors that name hosts and ports). To fix it, set [api] listen = "
      "\"127.0.0.1:{}\" and reach the API through an SSH tunnel or an authenticating reverse "
      "proxy (add the proxy's Host name to [api] allowed_hosts), or firewall the port; "
      "[api] enabled = false turns the API off",
      where, api.listen.port);
}

}  // namespace sluice

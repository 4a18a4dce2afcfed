#include "control/host_check.h"

#include <algorithm>

#include <fmt/format.h>

namespace sluice {

Result<HostCheck> HostCheck::create(std::string_view listen_host, std::string_view bound,
                                    const std::vector<std::string>& allowed_hosts) {
  HostCheck check;
  auto address = parse_host_name(bound);
  if (!address || !address->is_address()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("[api] listen: \"{}\" is not an IP address", bound));
  }
  check.hosts_.push_back(*address);
  check.any_address_ = address->is_unspecified();
  if (address->is_loopback() || address->is_unspecified()) {
    check.hosts_.push_back(HostName{HostName::Kind::kName, "localhost"});
  }
  // listen = "sluice.internal:8686": clients use that name.
  if (auto listen = parse_host_name(listen_host); listen && !listen->is_address()) {
    check.hosts_.push_back(std::move(*listen));
  }
  for (const std::string& entry : allowed_hosts) {
    if (entry == "*") {
      check.any_host_ = true;
      continue;
    }
    auto host = parse_host_name(entry);
    if (!host)
      return Error(ErrorCode::kInvalidArgument, "[api] allowed_hosts: " + host.error().message());
    check.hosts_.push_back(std::move(*host));
  }
  return check;
}

bool HostCheck::allows(std::string_view host) const {
  if (host.empty() || any_host_) return true;
  auto parsed = parse_host_header(host);
  if (!parsed) return false;
  if (any_address_ && parsed->is_address()) return true;
  return std::find(hosts_.begin(), hosts_.end(), *parsed) != hosts_.end();
}

}  // namespace sluice

#pragma once

#include <boost/asio/ip/address.hpp>

#include "config/config.h"
#include "core/result.h"

namespace sluice {

// The address a listener binds: a literal IP ("127.0.0.1", "::1", "0.0.0.0") or a name,
// resolved once (at startup, so a blocking lookup is fine). The error names the address.
[[nodiscard]] Result<boost::asio::ip::address> resolve_listen_host(const ListenAddress& listen);

}  // namespace sluice

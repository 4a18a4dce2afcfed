#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/host_name.h"
#include "core/result.h"

namespace sluice {

// Which Host headers the API answers, against DNS rebinding: a page on an attacker's domain
// that makes its name resolve to 127.0.0.1 reaches the API from a victim's browser as its own
// origin, and could read /status and /errors. The browser still sends the attacker's name in
// Host, so the API answers only for the names it is known by:
// - the address it listens on, as an IP literal (IPv6 in brackets);
// - the name in `[api] listen`, when it is a name;
// - "localhost" when it listens on loopback or on every address;
// - any IP literal when it listens on every address (0.0.0.0, ::): the client may have used any
//   of the machine's addresses, and an address cannot be rebound, only a name can;
// - the names in `[api] allowed_hosts` ("*" there answers any Host).
// The port in Host is not compared: SSH tunnels and kubectl port-forward reach the API through
// another port, and the name alone is what a rebinding page cannot fake.
class HostCheck {
 public:
  // `listen_host` is `[api] listen`'s host as written (a name or an address; empty for every
  // address), `bound` the address it resolved to and the API bound. The error names a bad
  // `allowed_hosts` entry (the configuration loader has checked them already).
  [[nodiscard]] static Result<HostCheck> create(std::string_view listen_host,
                                                std::string_view bound,
                                                const std::vector<std::string>& allowed_hosts);

  // Whether a request whose Host header is `host` is for this API. An empty `host` (no Host
  // header, as HTTP/1.0 allows) is answered: browsers always send Host, so such a request
  // cannot come from a rebinding page, and simple probes (HAProxy's default health check,
  // `printf 'GET /health HTTP/1.0\r\n\r\n' | nc`) send none.
  [[nodiscard]] bool allows(std::string_view host) const;

 private:
  HostCheck() = default;

  std::vector<HostName> hosts_;  // answered exactly (canonical text)
  bool any_address_ = false;     // bound to every address: any IP literal
  bool any_host_ = false;        // allowed_hosts has "*"
};

}  // namespace sluice

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice {

// A host as a URL's authority and the HTTP Host header carry it (RFC 3986 3.2.2): a registered
// name, an IPv4 address, or an IPv6 address (in brackets inside a Host header).
struct HostName {
  enum class Kind : uint8_t { kName, kIpv4, kIpv6 };
  Kind kind = Kind::kName;
  // Canonical, so that two spellings of one host compare equal as text: a name in lower case
  // without a trailing dot ("Sluice.Internal." is "sluice.internal"), an address as inet_ntop
  // writes it ("0:0::1" is "::1"), without brackets.
  std::string text;

  [[nodiscard]] bool is_address() const { return kind != Kind::kName; }
  // 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6 (::ffff:127.0.0.1).
  [[nodiscard]] bool is_loopback() const;
  // 0.0.0.0 or ::, the address of a listener bound to every interface.
  [[nodiscard]] bool is_unspecified() const;
  bool operator==(const HostName&) const = default;
};

// A host without a port: "sluice.internal", "10.0.0.5", "::1" or "[::1]". The error says what is
// wrong with `text` (a port, a scheme, a path, a character a name cannot hold).
[[nodiscard]] Result<HostName> parse_host_name(std::string_view text);

// The value of a Host header: host [":" port] (RFC 9110 7.2), an IPv6 address in brackets. The
// port must be digits but is not returned: who is asked is the host.
[[nodiscard]] Result<HostName> parse_host_header(std::string_view value);

}  // namespace sluice

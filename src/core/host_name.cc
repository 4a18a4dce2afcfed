#include "core/host_name.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace sluice {
namespace {

// RFC 1035 limits, with "_" allowed as in real names (_service records, some internal zones).
constexpr size_t kMaxNameBytes = 253;
constexpr size_t kMaxLabelBytes = 63;

bool is_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The canonical text of an address (inet_ntop's), or "" when `text` is not one of `family`.
std::string canonical_address(int family, std::string_view text) {
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  // inet_pton reads a C string: "127.0.0.1\0.evil" would pass as 127.0.0.1.
  if (text.find('\0') != std::string_view::npos) return {};
  std::string copy(text);
  if (inet_pton(family, copy.c_str(), bytes) != 1) return {};
  if (inet_ntop(family, bytes, out, sizeof out) == nullptr) return {};
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;  // "..", or a leading dot
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok || ++label > kMaxLabelBytes) return false;
  }
  return label > 0;
}

}  // namespace

bool HostName::is_loopback() const {
  switch (kind) {
    case Kind::kIpv4:
      return text.starts_with("127.");
    case Kind::kIpv6:
      return text == "::1" || text.starts_with("::ffff:127.");
    case Kind::kName:
      return false;
  }
  return false;
}

bool HostName::is_unspecified() const {
  return (kind == Kind::kIpv4 && text == "0.0.0.0") || (kind == Kind::kIpv6 && text == "::");
}

Result<HostName> parse_host_name(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" {}", text, why));
  };
  if (text.empty()) return fail("is empty: give a host name or an IP address");
  if (text.find("://") != std::string_view::npos) {
    return fail("is a URL: give the host alone (\"sluice.internal\", not \"http://...\")");
  }
  if (text.find('/') != std::string_view::npos) return fail("has a path: give the host alone");
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("has no closing bracket");
    if (close + 1 != text.size()) {
      return text[close + 1] == ':' ? fail("has a port: give the host alone, without the port")
                                    : fail("has text after the closing bracket");
    }
    std::string address = canonical_address(AF_INET6, text.substr(1, close - 1));
    if (address.empty()) return fail("is not an IPv6 address in brackets");
    return HostName{HostName::Kind::kIpv6, std::move(address)};
  }
  if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    std::string address = canonical_address(AF_INET6, text);
    if (!address.empty()) return HostName{HostName::Kind::kIpv6, std::move(address)};
    if (text.find(':') == colon && is_digits(text.substr(colon + 1))) {
      return fail("has a port: give the host alone, without the port");
    }
    return fail("is not a host name or an IP address");
  }
  if (std::string address = canonical_address(AF_INET, text); !address.empty()) {
    return HostName{HostName::Kind::kIpv4, std::move(address)};
  }
  std::string_view name = text;
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);  // the root: same name
  if (!valid_name(name)) {
    return fail(
        "is not a host name or an IP address (a name holds letters, digits, '-', '_' and dots)");
  }
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return HostName{HostName::Kind::kName, std::move(lower)};
}

Result<HostName> parse_host_header(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close != std::string_view::npos && close + 1 < value.size() && value[close + 1] == ':') {
      host = value.substr(0, close + 1);
      port = value.substr(close + 2);
    }
  } else if (size_t colon = value.rfind(':'); colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    // An IPv6 address in a Host header is bracketed (RFC 3986 3.2.2): "::1" alone is malformed.
    if (host.find(':') != std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("Host \"{}\": an IPv6 address needs brackets", value));
    }
  }
  // RFC 3986 allows an empty port ("host:"); digits otherwise, at most 65535.
  uint32_t number = 0;
  bool port_ok = is_digits(port) && port.size() <= 5;
  for (char c : port) number = number * 10 + uint32_t(c - '0');
  if (!port_ok || number > 65535) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("Host \"{}\": bad port", value));
  }
  return parse_host_name(host);
}

}  // namespace sluice

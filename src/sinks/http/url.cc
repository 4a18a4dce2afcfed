#include "sinks/http/url.h"

#include <fmt/format.h>

namespace sluice {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Result<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl u;
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    return Error(fmt::format("\"{}\" is not a URL: expected https://host/path", url));
  }
  u.scheme = lower(url.substr(0, colon));
  if (u.scheme != "https" && u.scheme != "http") {
    return Error(
        fmt::format("scheme \"{}\" is not supported: use https:// (or http:// for a "
                    "receiver on a trusted network)",
                    u.scheme));
  }
  std::string_view rest = url.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    // Credentials in the URL would end up in logs and /status; headers are the place for them.
    return Error("credentials in the URL are not supported: use header_name and header_value");
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error("unterminated IPv6 address in the URL");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error("unexpected text after the IPv6 address");
      port = after.substr(1);
    }
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return Error(fmt::format("\"{}\" has no host", url));
  if (!port.empty() || authority.back() == ':') {
    unsigned value = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9' || (value = value * 10 + unsigned(ch - '0')) > 65535) {
        return Error(fmt::format("port \"{}\" is not a number from 1 to 65535", port));
      }
    }
    if (value == 0) return Error(fmt::format("port \"{}\" is not a number from 1 to 65535", port));
  }
  if (size_t hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  u.host = std::string(host);
  u.port = std::string(port);
  u.target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
  return u;
}

}  // namespace sluice

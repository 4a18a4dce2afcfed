#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice {

// The parts of an http(s) URL that sluice needs: where to connect, and the origin that the
// domain-ownership challenge is asked of. Deliberately small: the full URL is handed to libcurl
// unchanged; this only validates it at load time and derives the challenge URL.
struct HttpUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // as written; an IPv6 literal keeps its brackets
  std::string port;    // as written; empty for the scheme's default
  std::string target;  // path and query, "/" when empty

  // host[:port], as the Host header carries it.
  [[nodiscard]] std::string authority() const { return host + (port.empty() ? "" : ":" + port); }
  [[nodiscard]] std::string origin() const { return scheme + "://" + authority(); }
  [[nodiscard]] bool is_https() const { return scheme == "https"; }
};

// Rejects what is not http(s)://host[:port][/path][?query]. The message says what is wrong.
[[nodiscard]] Result<HttpUrl> parse_http_url(std::string_view url);

}  // namespace sluice

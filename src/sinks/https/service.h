#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "sinks/http/http_client.h"
#include "sinks/https/config.h"

namespace sluice {

// Where an https endpoint's requests go. With tls_hostname set, the URL names that host (for
// SNI and the certificate check) while connections go to the URL's own host and port, and the
// Host header keeps the URL's host.
struct HttpsTarget {
  std::string url;            // what libcurl is asked for
  std::string challenge_url;  // the origin's /.well-known/fastly/logging/challenge
  std::string host_header;    // "Host: ..." when tls_hostname rewrote the URL, else ""
  std::string connect_to;     // libcurl CONNECT_TO entry, else ""
  std::string display_url;    // the configured URL with its credentials redacted, for messages
  // What sluice sends that a receiver's echo must not expose (redact_excerpt): the headers'
  // values and the URL's credentials.
  std::vector<std::string> secrets;
};

[[nodiscard]] HttpsTarget https_target(const HttpsSinkSettings& settings);

// The key under which endpoints share a domain-ownership answer (ChallengeCache): the challenge
// URL and everything that decides how it is reached (connect-to, TLS trust and client
// certificate, HTTP version). Endpoints that differ in any of these ask separately, since one
// could be refused where another is answered.
[[nodiscard]] std::string challenge_origin_key(const HttpsSinkSettings& settings,
                                               const HttpsTarget& target);

// The https endpoint's `service` (Vector's split): its HTTP client, set up from the endpoint's
// TLS, HTTP version and concurrency, connecting only where `destinations` allows (nullptr: any).
// Sending and response parsing are HttpClient's.
[[nodiscard]] Result<std::unique_ptr<HttpClient>> start_https_client(
    const HttpsSinkSettings& settings, const HttpsTarget& target,
    std::shared_ptr<const DestinationPolicy> destinations = nullptr);

}  // namespace sluice

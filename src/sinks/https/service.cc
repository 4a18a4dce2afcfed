#include "sinks/https/service.h"

#include "core/redact.h"
#include "sinks/http/challenge.h"

namespace sluice {

HttpsTarget https_target(const HttpsSinkSettings& s) {
  HttpsTarget t;
  t.display_url = redact_url(s.url);
  t.secrets = url_credentials(s.url);
  for (const auto& [name, value] : s.headers) t.secrets.push_back(value);
  HttpUrl u = s.parsed_url;
  const std::string& name = s.delivery.tls.hostname;
  if (u.is_https() && !name.empty() && name != u.host) {
    std::string port = u.port.empty() ? "443" : u.port;
    t.connect_to = "::" + u.host + ":" + port;
    t.host_header = "Host: " + u.authority();
    u.host = name;
    t.url = u.origin() + u.target;
  } else {
    t.url = s.url;
  }
  t.challenge_url = challenge_url(u);
  return t;
}

std::string challenge_origin_key(const HttpsSinkSettings& s, const HttpsTarget& target) {
  const HttpTlsSettings& tls = s.delivery.tls;
  // NUL cannot occur in any of the parts (URLs, PEM text and paths are checked text).
  std::string key = target.challenge_url;
  for (std::string_view part : {std::string_view(target.connect_to), std::string_view(tls.ca_cert),
                                std::string_view(tls.client_cert), std::string_view(tls.client_key),
                                std::string_view(tls.hostname)}) {
    key.push_back('\0');
    key.append(part);
  }
  key.push_back('\0');
  key.push_back(char('0' + int(s.http_version)));
  return key;
}

Result<std::unique_ptr<HttpClient>> start_https_client(
    const HttpsSinkSettings& s, const HttpsTarget& target,
    std::shared_ptr<const DestinationPolicy> destinations) {
  HttpClientSettings c;
  c.version = s.http_version == HttpVersion::kHttp11  ? HttpClientSettings::Version::kHttp11
              : s.http_version == HttpVersion::kHttp2 ? HttpClientSettings::Version::kHttp2
                                                      : HttpClientSettings::Version::kAuto;
  c.tls = s.delivery.tls;
  c.connect_to = target.connect_to;
  c.max_connections = s.delivery.concurrency;
  c.destinations = std::move(destinations);
  return HttpClient::start(std::move(c));
}

}  // namespace sluice

#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sinks/http/delivery_settings.h"
#include "sinks/http/url.h"
#include "sinks/sink_settings.h"

namespace sluice {

enum class HttpVersion : uint8_t { kAuto, kHttp11, kHttp2 };

// Fields of the https endpoint (Fastly's names, plus verify_ownership, http_version, timeout and
// max_backoff of sluice's own). The batching, framing and TLS fields are the shared
// HttpDeliverySettings.
struct HttpsSinkSettings : SinkSettings {
  std::string url;
  HttpUrl parsed_url;
  std::string method = "POST";                               // or PUT
  std::string content_type;                                  // default: by json_format
  std::vector<std::pair<std::string, std::string>> headers;  // header_name/value, then headers
  bool verify_ownership = true;  // the domain-ownership challenge before the first delivery
  HttpVersion http_version = HttpVersion::kAuto;
  HttpDeliverySettings delivery;
  void print(FieldMap& out) const override;
};

std::shared_ptr<const SinkSettings> parse_https_settings(TableReader& reader);

}  // namespace sluice

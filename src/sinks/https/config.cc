#include "sinks/https/config.h"

#include <fmt/format.h>

#include "config/table_reader.h"

namespace sluice {
namespace {

// RFC 9110 token characters: a header name with anything else would corrupt the request.
bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool valid_header_value(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string_view default_content_type(JsonFormat f) {
  switch (f) {
    case JsonFormat::kArray:
      return "application/json";
    case JsonFormat::kNdjson:
      return "application/x-ndjson";
    case JsonFormat::kLines:
      break;
  }
  return "text/plain";
}

}  // namespace

void HttpsSinkSettings::print(FieldMap& out) const {
  out.insert_or_assign("url", url);
  out.insert_or_assign("method", method);
  out.insert_or_assign("content_type", content_type);
  if (!headers.empty()) {
    // header_name/header_value is the first of them; all print as the one table.
    toml::table table;
    for (const auto& [name, value] : headers) table.insert_or_assign(name, value);
    out.insert_or_assign("headers", std::move(table));
  }
  out.insert_or_assign("verify_ownership", verify_ownership);
  out.insert_or_assign("http_version", http_version == HttpVersion::kHttp11  ? "1.1"
                                       : http_version == HttpVersion::kHttp2 ? "2"
                                                                             : "auto");
  print_http_delivery_fields(delivery, out);
}

std::shared_ptr<const SinkSettings> parse_https_settings(TableReader& r) {
  auto s = std::make_shared<HttpsSinkSettings>();
  if (auto url = r.string("url", /*required=*/true)) {
    s->url = *url;
    auto parsed = parse_http_url(*url);
    if (parsed) {
      s->parsed_url = std::move(*parsed);
    } else {
      r.error("url", parsed.error().message());
    }
  }
  if (auto m = r.choice("method", {"POST", "PUT"})) s->method = *m;
  parse_http_delivery_fields(r, s->delivery);
  if (auto c = r.string("content_type")) s->content_type = *c;
  if (s->content_type.empty()) s->content_type = default_content_type(s->delivery.json_format);
  if (!valid_header_value(s->content_type)) r.error("content_type", "contains a line break");

  auto name = r.string("header_name");
  auto value = r.string("header_value");
  if (name.has_value() != value.has_value()) {
    r.error(name ? "header_value" : "header_name", "header_name and header_value go together");
  } else if (name && !name->empty()) {
    s->headers.emplace_back(*name, *value);
  }
  if (auto table = r.string_table("headers")) {
    for (auto& h : *table) s->headers.push_back(std::move(h));
  }
  for (const auto& [n, v] : s->headers) {
    if (!valid_header_name(n)) {
      r.error("headers", fmt::format("\"{}\" is not a valid header name", n));
    } else if (!valid_header_value(v)) {
      r.error("headers", fmt::format("the value of \"{}\" contains a line break", n));
    }
  }

  if (auto v = r.boolean("verify_ownership")) s->verify_ownership = *v;
  if (auto v = r.choice("http_version", {"auto", "1.1", "2"})) {
    s->http_version = *v == "1.1" ? HttpVersion::kHttp11
                      : *v == "2" ? HttpVersion::kHttp2
                                  : HttpVersion::kAuto;
  }
  if (s->parsed_url.scheme == "http" &&
      (!s->delivery.tls.ca_cert.empty() || !s->delivery.tls.client_cert.empty())) {
    r.error("url", "TLS fields are set but the URL is http://, not https://");
  }
  return s;
}

}  // namespace sluice

#include "sinks/https/request_builder.h"

namespace sluice {

Result<std::unique_ptr<HttpsRequestBuilder>> HttpsRequestBuilder::create(const HttpsSinkSettings& s,
                                                                         const HttpsTarget& target,
                                                                         MessageType message_type,
                                                                         std::string hostname,
                                                                         std::string endpoint) {
  BodyEncoding enc;
  enc.json_format = s.delivery.json_format;
  enc.message_type = message_type;
  enc.hostname = std::move(hostname);
  enc.endpoint = std::move(endpoint);
  enc.codec = s.delivery.codec;
  enc.compression_level = s.delivery.compression_level;
  auto body = HttpBodyBuilder::create(std::move(enc));
  if (!body) return body.error();
  std::unique_ptr<HttpsRequestBuilder> b(new HttpsRequestBuilder());
  b->settings_ = &s;
  b->target_ = target;
  b->body_ = std::move(*body);
  b->headers_.push_back("Content-Type: " + s.content_type);
  if (!b->body_->content_encoding().empty()) {
    b->headers_.push_back("Content-Encoding: " + std::string(b->body_->content_encoding()));
  }
  if (!target.host_header.empty()) b->headers_.push_back(target.host_header);
  for (const auto& [name, value] : s.headers) b->headers_.push_back(name + ": " + value);
  return b;
}

HttpClientRequest HttpsRequestBuilder::request(std::shared_ptr<const std::string> body) const {
  HttpClientRequest r;
  r.method = settings_->method;
  r.url = target_.url;
  r.headers = headers_;
  r.body = std::move(body);
  r.timeout = std::chrono::milliseconds(int64_t(settings_->delivery.timeout_seconds * 1000));
  return r;
}

HttpClientRequest HttpsRequestBuilder::challenge_request() const {
  HttpClientRequest r;
  r.method = "GET";
  r.url = target_.challenge_url;
  if (!target_.host_header.empty()) r.headers.push_back(target_.host_header);
  r.timeout = std::chrono::milliseconds(int64_t(settings_->delivery.timeout_seconds * 1000));
  r.max_response_body = 64 * 1024;  // a list of many services' hashes is still small
  return r;
}

}  // namespace sluice

#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/http/body_builder.h"
#include "sinks/http/http_client.h"
#include "sinks/https/config.h"
#include "sinks/https/service.h"

namespace sluice {

// Turns a batch into an https request: the shared body builder (framing, json_format,
// compression) plus this type's method, URL and headers. The headers are computed once.
class HttpsRequestBuilder {
 public:
  // hostname and endpoint name feed the message_type header, if the endpoint has one.
  [[nodiscard]] static Result<std::unique_ptr<HttpsRequestBuilder>> create(
      const HttpsSinkSettings& settings, const HttpsTarget& target, MessageType message_type,
      std::string hostname, std::string endpoint);

  Status build_body(std::span<const LineBatch* const> batches,
                    std::chrono::system_clock::time_point now, EncodedBody& out) {
    return body_->build(batches, now, out);
  }
  [[nodiscard]] HttpClientRequest request(std::shared_ptr<const std::string> body) const;
  [[nodiscard]] HttpClientRequest challenge_request() const;

  // Content-Type, Content-Encoding, Host (with tls_hostname), then the custom headers.
  [[nodiscard]] const std::vector<std::string>& headers() const { return headers_; }

 private:
  HttpsRequestBuilder() = default;

  const HttpsSinkSettings* settings_ = nullptr;
  HttpsTarget target_;
  std::unique_ptr<HttpBodyBuilder> body_;
  std::vector<std::string> headers_;
};

}  // namespace sluice

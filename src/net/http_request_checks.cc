#include "net/http_request_checks.h"

#include <fmt/format.h>
#include <boost/beast/core/string.hpp>

#include "core/json_text.h"

namespace sluice {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

// Errors of the HTTP parser (as opposed to the connection): the client sent something that is not
// HTTP/1.1, and deserves a 400 before the connection closes.
bool is_parse_error(const error_code& ec) {
  static const auto& category = make_error_code(http::error::bad_method).category();
  return ec.category() == category;
}

RequestVerdict refuse(int status, std::string message) {
  return {RequestVerdict::Step::kRefuse, status, std::move(message)};
}

RequestVerdict close() {
  return {RequestVerdict::Step::kClose, 0, {}};
}

}  // namespace

void apply_request_limits(RequestParser& parser, const RequestLimits& limits) {
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(limits.max_header_bytes);
}

RequestVerdict check_request_header(const RequestParser& parser, error_code ec, size_t header_bytes,
                                    const RequestLimits& limits) {
  // Beast checks a Content-Length against the body limit as soon as the header is complete.
  if (ec == http::error::body_limit) {
    auto length = parser.content_length();
    return refuse(413, length ? fmt::format("the request body ({} bytes) is larger than the limit "
                                            "of {} bytes",
                                            *length, limits.max_body_bytes)
                              : fmt::format("the request body is larger than the limit of {} bytes",
                                            limits.max_body_bytes));
  }
  if (ec == http::error::header_limit || (!ec && header_bytes > limits.max_header_bytes)) {
    return refuse(
        431, fmt::format("the request header is larger than {} bytes", limits.max_header_bytes));
  }
  if (ec == http::error::end_of_stream) return close();
  if (is_parse_error(ec)) return refuse(400, fmt::format("malformed request: {}", ec.message()));
  if (ec) return close();  // the connection broke: nothing to answer

  // Request smuggling: a Transfer-Encoding other than chunked leaves the body's length unknown
  // (RFC 9112 6.3: 400 and close), and one beside a Content-Length is ambiguous. Either way
  // the body would be read as the next request.
  const auto& head = parser.get();
  if (auto te = head[http::field::transfer_encoding]; !te.empty()) {
    if (!beast::iequals(te, "chunked")) {
      return refuse(400, fmt::format("Transfer-Encoding \"{}\" is not supported: send the body "
                                     "with Content-Length or Transfer-Encoding: chunked",
                                     std::string_view(te.data(), te.size())));
    }
    if (head.find(http::field::content_length) != head.end()) {
      return refuse(400, "the request has both Content-Length and Transfer-Encoding");
    }
  }
  // Refuse an oversized body before reading it.
  if (auto length = parser.content_length(); length && *length > limits.max_body_bytes) {
    return refuse(413, fmt::format("the request body ({} bytes) is larger than the limit of {} "
                                   "bytes",
                                   *length, limits.max_body_bytes));
  }
  return {};
}

RequestVerdict check_request_body(error_code ec, const RequestLimits& limits) {
  if (ec == http::error::body_limit) {
    return refuse(413, fmt::format("the request body is larger than the limit of {} bytes",
                                   limits.max_body_bytes));
  }
  if (is_parse_error(ec) && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return refuse(400, fmt::format("malformed request: {}", ec.message()));
  }
  if (ec) return close();
  return {};
}

HttpRequest to_http_request(http::request<RequestBody>&& message, bool& keep_alive) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  keep_alive = message.keep_alive();
  return request;
}

std::string json_error_body(std::string_view message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += "}\n";
  return out;
}

}  // namespace sluice

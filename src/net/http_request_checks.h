#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_server.h"

namespace sluice {

// What the HTTP server checks while it reads a request, apart from the connection: the parser's
// limits, which parser errors and which headers it answers with an error, and the request it
// hands to its handler. The server reads with Beast's async_read_header, then async_read; the
// fuzz target (tests/fuzz/http_request_fuzz.cc) drives the same parser and checks through
// Beast's synchronous reads of the same bytes.

using RequestBody = boost::beast::http::string_body;
using RequestParser = boost::beast::http::request_parser<RequestBody>;

// The request line and header fields together: a larger header is answered with 431.
inline constexpr uint32_t kMaxRequestHeaderBytes = 64 * 1024;

struct RequestLimits {
  uint64_t max_body_bytes = 0;
  uint32_t max_header_bytes = kMaxRequestHeaderBytes;
};

// Sets `limits` on a parser that has read nothing yet.
void apply_request_limits(RequestParser& parser, const RequestLimits& limits);

// What the server does after reading a request's header or body.
struct RequestVerdict {
  enum class Step : uint8_t {
    kContinue,  // read on (after the header), or hand the request to the handler (after the body)
    kRefuse,    // answer `status` with `message`, then close
    kClose,     // close without an answer: the client went away, or the connection broke
  };
  Step step = Step::kContinue;
  int status = 0;  // kRefuse: 400, 413 or 431
  std::string message;
};

// After async_read_header finished with `ec`, having read `header_bytes` into the parser.
// Refused: a malformed request (400), a header over the limit (431), a body declared larger
// than the limit (413), and request smuggling: a Transfer-Encoding other than chunked, whose
// body length is unknown (RFC 9112 6.3), or one beside a Content-Length (400).
// (Beast applies its header limit to the request line and to the fields each on their own, so
// a header of up to twice the limit gets through it; `header_bytes` is checked here.)
[[nodiscard]] RequestVerdict check_request_header(const RequestParser& parser,
                                                  boost::system::error_code ec, size_t header_bytes,
                                                  const RequestLimits& limits);

// After async_read of the body finished with `ec`: a body over the limit (413), a malformed
// chunked body (400); a connection that ended mid-body is closed.
[[nodiscard]] RequestVerdict check_request_body(boost::system::error_code ec,
                                                const RequestLimits& limits);

// The request as handlers see it; `keep_alive` says whether the connection stays open after
// the answer.
[[nodiscard]] HttpRequest to_http_request(boost::beast::http::request<RequestBody>&& message,
                                          bool& keep_alive);

// The body of an error answer: {"error":"message"}, valid JSON whatever bytes the message
// quotes from the request.
[[nodiscard]] std::string json_error_body(std::string_view message);

}  // namespace sluice

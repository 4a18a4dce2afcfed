#include "net/http_request_checks.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>

namespace sluice {
namespace {

// Parses `text` as the server reads a header (not eager), and returns the verdict.
RequestVerdict header_verdict(std::string_view text, RequestLimits limits,
                              RequestParser* parser_out = nullptr) {
  RequestParser local;
  RequestParser& parser = parser_out != nullptr ? *parser_out : local;
  apply_request_limits(parser, limits);
  parser.eager(false);
  boost::system::error_code ec;
  size_t used = parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  return check_request_header(parser, ec, used, limits);
}

TEST(HttpRequestChecks, AcceptsAPlainRequest) {
  RequestParser parser;
  RequestVerdict v = header_verdict(
      "POST /ingest/logs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
      RequestLimits{100}, &parser);
  EXPECT_EQ(v.step, RequestVerdict::Step::kContinue) << v.message;
  EXPECT_TRUE(parser.is_header_done());
}

TEST(HttpRequestChecks, RefusesSmuggling) {
  RequestVerdict v = header_verdict("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                                    RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kRefuse);
  EXPECT_EQ(v.status, 400);
  EXPECT_NE(v.message.find("\"gzip, chunked\" is not supported"), std::string::npos) << v.message;

  // Beast refuses this one itself ("bad Transfer-Encoding"); the check behind it stays for
  // another parser.
  v = header_verdict("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                     RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kRefuse);
  EXPECT_EQ(v.status, 400);

  v = header_verdict("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kContinue) << v.message;
}

TEST(HttpRequestChecks, Limits) {
  RequestVerdict v =
      header_verdict("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", RequestLimits{100});
  EXPECT_EQ(v.status, 413);
  EXPECT_EQ(v.message, "the request body (101 bytes) is larger than the limit of 100 bytes");

  RequestLimits small{100, 64};
  v = header_verdict("GET / HTTP/1.1\r\nX-Padding: " + std::string(100, 'p') + "\r\n\r\n", small);
  EXPECT_EQ(v.status, 431);
  EXPECT_EQ(v.message, "the request header is larger than 64 bytes");

  v = check_request_body(boost::beast::http::error::body_limit, RequestLimits{100});
  EXPECT_EQ(v.status, 413);
}

// Beast limits the request line and the fields each to the header limit, not their sum (found by
// http_request_fuzz: tests/fuzz/regressions/http_request_fuzz/header_twice_the_limit).
TEST(HttpRequestChecks, HeaderLimitCountsTheRequestLineToo) {
  RequestLimits small{100, 64};
  std::string line = "GET /" + std::string(40, 'a') + " HTTP/1.1\r\n";  // 56 bytes
  std::string fields = "X-P: " + std::string(40, 'p') + "\r\n\r\n";     // 49 bytes
  RequestVerdict v = header_verdict(line + fields, small);
  EXPECT_EQ(v.status, 431) << v.message;
  EXPECT_EQ(header_verdict(line + "\r\n", small).step, RequestVerdict::Step::kContinue);
}

TEST(HttpRequestChecks, MalformedAndEndOfStream) {
  RequestVerdict v = header_verdict("GET / HTTP/1.1\r\nHost localhost\r\n\r\n", RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kRefuse);
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.message.rfind("malformed request: ", 0), 0u) << v.message;

  RequestParser parser;
  v = check_request_header(parser, boost::beast::http::error::end_of_stream, 0, RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kClose);
  v = check_request_body(boost::beast::http::error::partial_message, RequestLimits{100});
  EXPECT_EQ(v.step, RequestVerdict::Step::kClose);
}

TEST(HttpRequestChecks, ToHttpRequest) {
  RequestParser parser;
  std::string_view text =
      "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Two: 1\r\nx-two: 2\r\nContent-Length: 2\r\n\r\nhi";
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  bool keep_alive = false;
  HttpRequest r = to_http_request(parser.release(), keep_alive);
  EXPECT_TRUE(keep_alive);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/a?b=1");
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(r.header("x-TWO"), "1");
  EXPECT_EQ(r.headers.size(), 4u);
}

TEST(HttpRequestChecks, ErrorBodyIsJson) {
  EXPECT_EQ(json_error_body("a \"b\"\\\n"), "{\"error\":\"a \\\"b\\\"\\\\\\n\"}\n");
}

// A refusal quotes the request's Transfer-Encoding, whose bytes may be anything but control
// characters; the answer stays valid JSON (found by http_request_fuzz:
// tests/fuzz/regressions/http_request_fuzz/transfer_encoding_latin1).
TEST(HttpRequestChecks, ErrorBodyIsValidUtf8) {
  RequestVerdict v =
      header_verdict("POST / HTTP/1.1\r\nTransfer-Encoding: \xE9t\xE9\r\n\r\n", RequestLimits{100});
  ASSERT_EQ(v.status, 400);
  EXPECT_EQ(json_error_body(v.message),
            "{\"error\":\"Transfer-Encoding \\\"\\ufffdt\\ufffd\\\" is not supported: send the "
            "body with Content-Length or Transfer-Encoding: chunked\"}\n");
}

}  // namespace
}  // namespace sluice

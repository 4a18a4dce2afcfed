#pragma once

// A blocking HTTP/1.1 client over one keep-alive connection, for server tests.

#include <cctype>
#include <map>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sluice::testing {

struct ClientResponse {
  int status = 0;  // 0: no answer (the connection failed or closed)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string error;
};

class HttpTestClient {
 public:
  explicit HttpTestClient(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  }

  ClientResponse request(const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    // What sluice's /ingest requires; a test of other types sets its own (or uses raw()).
    if (method == "POST" || method == "PUT") {
      req.set(http::field::content_type, "application/x-ndjson");
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    http::write(socket_, req, ec);
    if (ec) return {0, "", {}, "write: " + ec.message()};
    return read_response(method == "HEAD");
  }

  // Sends raw bytes (a malformed request, say) and reads one response.
  ClientResponse raw(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    if (ec) return {0, "", {}, "write: " + ec.message()};
    return read_response();
  }

  // `head`: the answer to HEAD, whose Content-Length announces a body that is not sent. A server
  // that sends one anyway is caught by the next response on the connection, which then fails to
  // parse.
  ClientResponse read_response(bool head = false) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    parser.skip(head);
    boost::system::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (ec) return {0, "", {}, "read: " + ec.message()};
    ClientResponse out;
    out.status = int(parser.get().result_int());
    out.body = parser.get().body();
    for (const auto& f : parser.get()) {
      std::string name(f.name_string());
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    return out;
  }

  // True when the server has closed the connection (a read sees EOF or a reset).
  bool closed_by_server() {
    char byte;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace sluice::testing

// libFuzzer target: the HTTP requests the server reads (net/http_request_checks: Beast's parser
// with the server's limits and its own checks), several pipelined on one connection, then the
// API's Host check (control/api, control/host_check) and the ingest API's path, method and
// Content-Type checks (sources/http/ingest_api_router) on each request that gets through.
//
// Input: byte 0 picks the body limit, byte 1 the header limit; bytes 2 and 3 are the sizes of the
// reads the bytes arrive in, alternately; the rest is what the client sends.
//
// The connection is read with Beast's synchronous read_header and read, the same operations (and
// the same parser settings: not eager for the header, eager for the body) as the server's async
// ones, from a stream that returns one chunk per read, then end of file.
//
// Invariants checked:
// - the same bytes read in one piece and in small chunks hand on the same requests, then end
//   (no split can change where a request ends, or let a request through that the other refuses);
// - a request handed on has a body within the limit, a header within the limit, no
//   Transfer-Encoding but chunked, never one beside a Content-Length, and a body of exactly
//   its Content-Length;
// - HttpRequest::header finds a field by its name in any case;
// - a refusal is 400, 413 or 431, and every error answer (the server's, the API's, the ingest
//   API's) is one valid JSON document, whatever bytes the request had;
// - the API answers 400 to two Host headers, 421 exactly when HostCheck refuses the Host, and
//   the Host check ignores the case of names;
// - the ingest API hands a body on only for POST with a JSON Content-Type.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

#include "config/config_loader.h"
#include "control/api.h"
#include "control/host_check.h"
#include "net/http_request_checks.h"
#include "sources/http/ingest_api_router.h"
#include "topology/topology.h"

namespace {

using namespace sluice;
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "http_request_fuzz: %s: %.*s\n", what, int(detail.size()), detail.data());
  std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// A SyncReadStream that returns the chunks one per read_some (less when the buffer is smaller),
// then end of file.
class ChunkStream {
 public:
  explicit ChunkStream(std::vector<std::string_view> chunks) : chunks_(std::move(chunks)) {}

  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    ec = {};
    while (next_ < chunks_.size() && chunks_[next_].empty()) ++next_;
    if (next_ == chunks_.size()) {
      ec = asio::error::eof;
      return 0;
    }
    std::string_view& chunk = chunks_[next_];
    size_t n = asio::buffer_copy(buffers, asio::buffer(chunk.data(), chunk.size()));
    chunk.remove_prefix(n);
    return n;
  }
  template <typename Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);  // not used by Beast's error_code reads
    return n;
  }

 private:
  std::vector<std::string_view> chunks_;
  size_t next_ = 0;
};

bool is_json(std::string_view text) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(text.data(), text.size(), true).get(doc) == simdjson::SUCCESS;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

// The engine the handlers need: one service with one endpoint, routes and queues, no sinks.
struct Engine {
  Config config;
  std::unique_ptr<Topology> topology;
  ReloadLog reloads;
  std::unique_ptr<HostCheck> hosts;
  std::unique_ptr<Api> api;
  std::unique_ptr<IngestApiRouter> ingest;

  Engine() {
    auto c = load_config_string(R"toml(
[[service]]
id = "svc1"
  [[service.logging]]
  type = "file"
  name = "ep"
  path = "/dev/null"
)toml",
                                "fuzz.toml");
    if (!c) fail("the configuration does not load", c.error().message());
    config = std::move(*c);
    topology = std::make_unique<Topology>(TopologyOptions{});
    if (auto r = topology->activate(config); !r) fail("no activation", r.error().message());
    auto h = HostCheck::create("127.0.0.1", "127.0.0.1", {"api.example.com", "[::1]"});
    if (!h) fail("no host check", h.error().message());
    hosts = std::make_unique<HostCheck>(*h);
    api = std::make_unique<Api>(*topology, reloads, std::vector<SourceInfo>{}, *h);
    ingest = std::make_unique<IngestApiRouter>(topology->routes());
  }
};

Engine& engine() {
  static Engine* e = new Engine;
  return *e;
}

// The handlers' checks on a request that got through the server.
void handle(const HttpRequest& request) {
  Engine& e = engine();
  size_t hosts = 0;
  std::string_view host;
  for (const auto& [name, value] : request.headers) {
    // HttpRequest::header finds the first field of that name in any case.
    std::string_view found = request.header(lower(name));
    for (const auto& [n, v] : request.headers) {
      if (iequal(n, name)) {
        check(found == v, "header() does not find the first field of a name", name);
        break;
      }
    }
    if (iequal(name, "host")) {
      ++hosts;
      host = value;
    }
  }
  bool allowed = e.hosts->allows(host);
  check(allowed == e.hosts->allows(lower(host)), "the Host check depends on case", host);

  HttpResponse answer = e.api->handle(request);
  if (hosts > 1) {
    check(answer.status == 400, "two Host headers not answered with 400");
  } else if (!allowed) {
    check(answer.status == 421, "a refused Host not answered with 421", host);
  } else {
    check(answer.status == 200 || answer.status == 404 || answer.status == 405,
          "an unexpected API status", std::to_string(answer.status));
  }
  if (answer.content_type == "application/json") {
    check(is_json(answer.body), "an API answer that is not valid JSON", answer.body);
  }

  IngestRoute route = e.ingest->route(request);
  if (route.answer.status == 0) {
    check(route.ingest != nullptr, "an ingest route without a body handler");
    check(request.method == "POST", "a body taken from another method than POST");
    std::string type = lower(request.header("content-type"));
    check(type.find("json") != std::string::npos, "a body taken without a JSON Content-Type", type);
  } else {
    int s = route.answer.status;
    check(s == 404 || s == 405 || s == 415, "an unexpected ingest status", std::to_string(s));
    check(route.ingest == nullptr, "an error answer with a body handler");
    check(is_json(route.answer.body), "an ingest error answer that is not valid JSON",
          route.answer.body);
  }
}

// Reads requests from one connection as the server does; returns what happened, one entry a
// request. `run_handlers`: also check the handlers (once per input is enough).
std::vector<std::string> serve(std::vector<std::string_view> chunks, const RequestLimits& limits,
                               bool run_handlers) {
  ChunkStream stream(std::move(chunks));
  beast::flat_buffer buffer;
  std::vector<std::string> log;
  for (int n = 0; n < 64; ++n) {
    RequestParser parser;
    apply_request_limits(parser, limits);
    boost::system::error_code ec;
    size_t header_bytes = http::read_header(stream, buffer, parser, ec);
    RequestVerdict verdict = check_request_header(parser, ec, header_bytes, limits);
    if (verdict.step == RequestVerdict::Step::kContinue) {
      check(parser.is_header_done(), "a header accepted before it is complete");
      check(header_bytes <= limits.max_header_bytes, "a header over the limit",
            std::to_string(header_bytes));
      if (!parser.is_done()) {
        http::read(stream, buffer, parser, ec);
        verdict = check_request_body(ec, limits);
      }
    }
    if (verdict.step == RequestVerdict::Step::kRefuse) {
      check(verdict.status == 400 || verdict.status == 413 || verdict.status == 431,
            "an unexpected refusal status", std::to_string(verdict.status));
      std::string body = json_error_body(verdict.message);
      check(is_json(body), "an error answer that is not valid JSON", body);
      // Not how the connection ends: with two faults, which one Beast meets first depends on
      // how much it has seen (a header over the limit that also holds a NUL is 400 read whole,
      // 431 in small reads), and a malformed request cut short by the end of the input is a
      // 400 in small reads but only a partial message (closed, no answer) read whole.
      log.push_back("ended");
      return log;  // answered, then closed
    }
    if (verdict.step == RequestVerdict::Step::kClose) {
      log.push_back("ended");
      return log;
    }
    check(parser.is_done(), "a request handed on before its end");
    auto& message = parser.get();
    if (auto te = message[http::field::transfer_encoding]; !te.empty()) {
      check(iequal(std::string_view(te.data(), te.size()), "chunked"),
            "a Transfer-Encoding other than chunked got through");
      check(message.find(http::field::content_length) == message.end(),
            "Transfer-Encoding and Content-Length together got through");
    }
    check(message.body().size() <= limits.max_body_bytes, "a body over the limit got through");
    if (auto length = parser.content_length()) {
      check(message.body().size() == *length, "a body not of its Content-Length");
    }
    bool keep_alive = false;
    HttpRequest request = to_http_request(parser.release(), keep_alive);
    std::string entry = fmt::format("request {} {} keep-alive {} body {}:", request.method,
                                    request.target, keep_alive, request.body.size());
    for (const auto& [name, value] : request.headers) entry += fmt::format(" {}={}", name, value);
    entry += ' ';
    entry += request.body;
    log.push_back(std::move(entry));
    if (run_handlers) handle(request);
    if (!keep_alive) return log;  // answered, then the rest is read and dropped
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  static constexpr uint64_t kBodyLimits[] = {0, 1, 16, 100, 1000, 8192};
  RequestLimits limits;
  limits.max_body_bytes = kBodyLimits[data[0] % std::size(kBodyLimits)];
  limits.max_header_bytes = 32 + uint32_t(data[1]) * 32;  // 32 to 8192
  std::string_view bytes(reinterpret_cast<const char*>(data) + 4, size - 4);

  std::vector<std::string_view> chunks;
  for (size_t at = 0, i = 0; at < bytes.size(); ++i) {
    size_t n = 1 + (i % 2 == 0 ? data[2] : data[3]) % 64;
    chunks.push_back(bytes.substr(at, n));
    at += chunks.back().size();
  }
  std::vector<std::string> whole = serve({bytes}, limits, /*run_handlers=*/true);
  std::vector<std::string> split = serve(chunks, limits, /*run_handlers=*/false);
  if (whole != split) {
    std::string both;
    for (const auto& w : whole) both += "whole: " + w + "\n";
    for (const auto& s : split) both += "split: " + s + "\n";
    fail("reading in chunks changed the requests", both);
  }
  return 0;
}

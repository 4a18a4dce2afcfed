#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.h"
#include "core/result.h"
#include "net/body_budget.h"
#include "net/loop_picker.h"

namespace sluice {

struct HttpRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query: "/ingest/svc1/requests?x=1"
  std::vector<std::pair<std::string, std::string>> headers;
  // The body's share of the server's body budget: a handler that holds more for it (a decoded
  // copy) grows it. Given back when the request is destroyed, after the body is freed.
  BodyLease body_lease;
  std::string body;

  // The value of header `name` (any case), or "" when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A small HTTP/1.1 server (Boost.Beast) for the API and HTTP ingest: keep-alive, a body limit
// answered with 413, a shared budget for bodies in progress answered with 503, optional TLS, and
// one handler called on the io thread that read the request.
struct HttpServerOptions {
  std::shared_ptr<boost::asio::ssl::context> tls;  // set: connections are HTTPS
  // The listener runs on the server's io_context; connections on these loops (round robin),
  // or on the listener's when null.
  LoopPicker* connection_loops = nullptr;
  // At most this many connections at once (0: no cap). One past the cap is accepted and closed
  // at once, counted in `refused` and logged (rate-limited) under `name`.
  uint64_t max_connections = 0;
  std::atomic<uint64_t>* refused = nullptr;
  // The budget of bytes held by bodies in progress, shared with other servers (null: none). A
  // request whose body does not fit is answered 503 with Retry-After before its body is read,
  // counted in `budget_refused` and logged (rate-limited). See net/body_budget.h.
  BodyBudget* body_budget = nullptr;
  std::atomic<uint64_t>* budget_refused = nullptr;
  std::string name = "http";
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;
  // Answers the request; callable once, from any thread (the answer is written on the
  // connection's strand). Holding it keeps the connection open.
  using Responder = std::function<void(HttpResponse)>;
  // A handler that may answer later, e.g. once ingested lines are durable: the io thread is free
  // for other connections meanwhile.
  using AsyncHandler = std::function<void(HttpRequest&, Responder)>;
  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  [[nodiscard]] virtual uint16_t port() const = 0;
  virtual void stop() = 0;

  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start(
      boost::asio::io_context& io, const ListenAddress& listen, uint64_t max_body_bytes,
      Handler handler, const HttpServerOptions& options = {});
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start_async(
      boost::asio::io_context& io, const ListenAddress& listen, uint64_t max_body_bytes,
      AsyncHandler handler, const HttpServerOptions& options = {});
};

}  // namespace sluice

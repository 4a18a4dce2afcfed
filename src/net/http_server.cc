#include "net/http_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "core/rate_limited_log.h"
#include "net/connection_set.h"
#include "net/http_request_checks.h"
#include "net/listen_address.h"
#include "net/peer_address.h"

namespace sluice {

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (boost::algorithm::iequals(n, name)) return v;
  }
  return {};
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// A keep-alive connection that sends nothing for this long is closed, so idle clients cannot
// hold sockets forever; the same bound applies to a request that trickles in.
constexpr auto kIdleTimeout = std::chrono::seconds(60);
// After an error answer (413, 400), the rest of the request is read and thrown away for up to
// this long before closing: closing with unread data makes the kernel send a reset, and the
// client would see "connection reset" instead of the answer.
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr uint64_t kLingerMaxBytes = 64ull * 1024 * 1024;
// A TLS client that has not finished its handshake by then is dropped.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// Beast reads into the free space of the connection's buffer, at least 512 bytes and at most
// 64 KiB a call. A buffer left at the header's size would read a 10 MB body 512 bytes at a time:
// 20,000 reads, each re-arming the idle timer and hopping through the strand. A body gets this
// much space, and an idle connection gives it back.
constexpr size_t kBodyReadBytes = 64 * 1024;
// How long stop() waits for in-flight requests to finish.
constexpr auto kStopWait = std::chrono::seconds(5);
// What a client refused for the body budget is told to wait: bodies are usually done in less.
constexpr std::string_view kBudgetRetryAfter = "1";

struct ServerState;

// What stop() needs of a connection, plain or TLS.
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the connection on its strand.
  virtual void post_close() = 0;
};

// One connection: plain (beast::tcp_stream) or TLS (ssl_stream over it).
template <typename Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(Stream stream, std::shared_ptr<ServerState> state);
  ~Session() override;

  void start();
  void post_close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  void close() {
    closing_ = true;
    error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
  }
  void read_header();
  void on_header(error_code ec, size_t header_bytes);
  void on_body(error_code ec);
  void answer(HttpResponse response, bool keep_alive);
  void answer_error(http::status status, std::string_view message,
                    std::vector<std::pair<std::string, std::string>> headers = {});
  void refuse_for_budget();
  void on_chunk_header(uint64_t size, error_code& ec);
  void on_written(error_code ec, bool keep_alive);
  void linger();

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<ServerState> state_;
  // What the body being read holds of the body budget; handed to the request once it is read.
  BodyLease lease_;
  bool budget_refused_ = false;  // a chunk did not fit in the body budget
  // The parser keeps a reference to its chunk callback: it lives here, with the parser.
  std::function<void(uint64_t, beast::string_view, error_code&)> chunk_header_;
  std::array<char, 16 * 1024> discard_{};
  uint64_t discarded_ = 0;
  bool closing_ = false;
  bool head_ = false;  // the request being answered is HEAD: its answer has no body
};

// What the listener and its sessions share. Sessions hold it by shared_ptr, so it outlives the
// HttpServer object if their last handlers run after it is gone.
struct ServerState {
  HttpServer::AsyncHandler handler;
  uint64_t max_body_bytes = 0;
  HttpServerOptions options;
  [[nodiscard]] RequestLimits limits() const { return RequestLimits{max_body_bytes}; }
  std::unique_ptr<RateLimitedLog> log;  // refused connections
  ConnectionSet<Connection> sessions;
};

template <typename Stream>
Session<Stream>::Session(Stream stream, std::shared_ptr<ServerState> state)
    : stream_(std::move(stream)),
      state_(std::move(state)),
      lease_(state_->options.body_budget),
      chunk_header_([this](uint64_t size, beast::string_view, error_code& ec) {
        on_chunk_header(size, ec);
      }) {}

template <typename Stream>
Session<Stream>::~Session() {
  state_->sessions.remove(this);
}

template <typename Stream>
void Session<Stream>::start() {
  if (!state_->sessions.add(shared_from_this())) return;
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if constexpr (kTls) {
      self->tcp().expires_after(kHandshakeTimeout);
      self->stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) {
        if (ec) return self->close();  // not TLS, or the client gave up: nothing to answer
        self->read_header();
      });
    } else {
      self->read_header();
    }
  });
}

template <typename Stream>
void Session<Stream>::read_header() {
  if (closing_) return;
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  head_ = false;
  budget_refused_ = false;
  lease_.release();
  parser_.emplace();
  apply_request_limits(*parser_, state_->limits());
  parser_->on_chunk_header(chunk_header_);
  tcp().expires_after(kIdleTimeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t bytes) { self->on_header(ec, bytes); });
}

template <typename Stream>
void Session<Stream>::on_header(error_code ec, size_t header_bytes) {
  // Known once the request line is read, so that an error answer to HEAD has no body either.
  head_ = parser_->is_header_done() && parser_->get().method() == http::verb::head;
  if (ec == beast::error::timeout || closing_) return close();
  RequestVerdict verdict = check_request_header(*parser_, ec, header_bytes, state_->limits());
  if (verdict.step == RequestVerdict::Step::kRefuse) {
    return answer_error(http::status(verdict.status), verdict.message);
  }
  if (verdict.step == RequestVerdict::Step::kClose) return close();
  // The body budget, before the body is read (and before 100 Continue asks for it). A body of
  // known length is held whole at once (Beast reserves it); a chunked one grows chunk by chunk.
  if (auto length = parser_->content_length(); length && !lease_.grow_to(*length)) {
    return refuse_for_budget();
  }
  if (!parser_->is_done()) buffer_.reserve(kBodyReadBytes);
  auto read_body = [self = shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     [self](error_code ec, size_t) { self->on_body(ec); });
  };
  // curl and others wait for "100 Continue" before sending a large body.
  auto expect = parser_->get()[http::field::expect];
  if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                   parser_->get().version());
    http::async_write(stream_, *cont,
                      [self = shared_from_this(), cont, read_body](error_code ec, size_t) {
                        if (ec) return self->close();
                        read_body();
                      });
    return;
  }
  read_body();
}

template <typename Stream>
void Session<Stream>::on_body(error_code ec) {
  if (budget_refused_) return refuse_for_budget();
  if (ec == beast::error::timeout || closing_) return close();
  RequestVerdict verdict = check_request_body(ec, state_->limits());
  if (verdict.step == RequestVerdict::Step::kRefuse) {
    return answer_error(http::status(verdict.status), verdict.message);
  }
  if (verdict.step == RequestVerdict::Step::kClose) return close();

  bool keep_alive = false;
  HttpRequest request = to_http_request(parser_->release(), keep_alive);
  // The body's share of the budget goes to the request, which lives until the handler
  // returns: the handler's work is done by then (it copies what it keeps), and both are freed.
  request.body_lease = std::move(lease_);
  state_->handler(request, [self = shared_from_this(), keep_alive](HttpResponse response) {
    asio::dispatch(self->stream_.get_executor(),
                   [self, keep_alive, response = std::move(response)]() mutable {
                     self->answer(std::move(response), keep_alive);
                   });
  });
}

template <typename Stream>
void Session<Stream>::answer(HttpResponse response, bool keep_alive) {
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(http::field::server, "sluice");
  response_.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  // RFC 9110 9.3.2: the answer to HEAD is the answer to GET without the body, Content-Length
  // included (prepare_payload set it from the body). The body is dropped here rather than by each
  // handler, so no route can send one: a client reading a body it did not expect would take it
  // for the next answer on the connection.
  if (head_) response_.body().clear();
  http::async_write(stream_, response_,
                    [self = shared_from_this(), keep_alive](error_code ec, size_t) {
                      self->on_written(ec, keep_alive);
                    });
}

template <typename Stream>
void Session<Stream>::answer_error(http::status status, std::string_view message,
                                   std::vector<std::pair<std::string, std::string>> headers) {
  // The connection closes after the answer: what was read of a body is not needed, and the
  // linger after the answer may last seconds.
  parser_.reset();
  lease_.release();
  HttpResponse r;
  r.status = static_cast<int>(status);
  r.content_type = "application/json";
  r.headers = std::move(headers);
  r.body = json_error_body(message);
  answer(std::move(r), false);
}

template <typename Stream>
void Session<Stream>::refuse_for_budget() {
  const HttpServerOptions& o = state_->options;
  if (o.budget_refused != nullptr) o.budget_refused->fetch_add(1, std::memory_order_relaxed);
  std::string message = o.body_budget->refusal_message();
  state_->log->log("refused a request body from {}: {}", peer_string(tcp().socket()), message);
  // Closing (after the answer, reading and dropping what the client still sends) rather than
  // keeping the connection: a client that sent the body regardless must not have it read as the
  // next request.
  answer_error(http::status::service_unavailable, message,
               {{"Retry-After", std::string(kBudgetRetryAfter)}});
}

template <typename Stream>
void Session<Stream>::on_chunk_header(uint64_t size, error_code& ec) {
  // The body will hold what it holds plus this chunk. Reserving that now makes its capacity
  // exactly what is charged (libstdc++ grows a string to at least twice its capacity), so the
  // pieces of the chunk then fit without reallocating.
  std::string& body = parser_->get().body();
  uint64_t need = body.size() + size;
  uint64_t capacity = body.capacity();
  uint64_t will_hold = need <= capacity ? capacity : std::max(need, 2 * capacity);
  // Beast has checked the chunk against max_body_bytes already.
  if (!lease_.grow_to(will_hold)) {
    budget_refused_ = true;
    ec = http::error::body_limit;  // ends the read; on_body answers
    return;
  }
  if (need > capacity) body.reserve(need);
}

template <typename Stream>
void Session<Stream>::on_written(error_code ec, bool keep_alive) {
  if (ec || closing_) return close();
  if (keep_alive) return read_header();
  linger();
}

template <typename Stream>
void Session<Stream>::linger() {
  // Over TLS a TCP half-close would cut the TLS stream short; the answer is followed by reading
  // (and dropping) what the client still sends, then closing.
  if constexpr (!kTls) {
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  tcp().expires_after(kLingerTimeout);
  stream_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](error_code ec, size_t n) {
                            self->discarded_ += n;
                            if (ec || self->closing_ || self->discarded_ > kLingerMaxBytes) {
                              return self->close();
                            }
                            self->linger();
                          });
}

// Accepts connections and starts a Session, on its own strand, for each.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerState> state)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()),
        state_(std::move(state)) {}

  Status open(const ListenAddress& listen) {
    auto address = resolve_listen_host(listen);
    if (!address) return address.error();
    tcp::endpoint endpoint(*address, listen.port);
    error_code ec;
    auto fail = [&](std::string_view what) {
      return Error(fmt::format("cannot listen on {} (http): {}: {}", listen.to_string(), what,
                               ec.message()));
    };
    if (acceptor_.open(endpoint.protocol(), ec)) return fail("socket");
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec))
      return fail("SO_REUSEADDR");
    if (acceptor_.bind(endpoint, ec)) return fail("bind");
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  void accept() {
    acceptor_.async_accept(
        asio::make_strand(connection_loop(state_->options.connection_loops, io_)),
        [self = shared_from_this()](error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void close() {
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

  [[nodiscard]] uint16_t port() const { return port_; }
  auto executor() { return acceptor_.get_executor(); }

 private:
  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors, usually: accepting again at once would spin.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    const HttpServerOptions& o = state_->options;
    if (o.max_connections != 0 && state_->sessions.size() >= o.max_connections) {
      if (o.refused != nullptr) o.refused->fetch_add(1, std::memory_order_relaxed);
      state_->log->log("refused a connection from {}: {} connections already (max_connections)",
                       peer_string(socket), o.max_connections);
      error_code ignored;
      socket.close(ignored);
      return accept();
    }
    if (o.tls) {
      using TlsStream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *o.tls), state_)->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), state_)
          ->start();
    }
    accept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<ServerState> state_;
  uint16_t port_ = 0;
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(asio::io_context& io, std::shared_ptr<ServerState> state)
      : io_(io), state_(state), listener_(std::make_shared<Listener>(io, std::move(state))) {}
  ~BeastHttpServer() override { stop(); }

  Status open(const ListenAddress& listen) { return listener_->open(listen); }
  void run() { listener_->accept(); }

  [[nodiscard]] uint16_t port() const override { return listener_->port(); }

  void stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(listener_->executor(), [l = listener_] { l->close(); });
    for (auto& session : state_->sessions.begin_stop()) session->post_close();
    // Waiting from a thread of the loop would hold up the very work it waits for.
    if (!io_.stopped() && !io_.get_executor().running_in_this_thread()) {
      state_->sessions.wait_empty(kStopWait);
    }
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Listener> listener_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io,
                                                      const ListenAddress& listen,
                                                      uint64_t max_body_bytes, Handler handler,
                                                      const HttpServerOptions& options) {
  return start_async(
      io, listen, max_body_bytes,
      [handler = std::move(handler)](HttpRequest& request, Responder respond) {
        respond(handler(request));
      },
      options);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start_async(asio::io_context& io,
                                                            const ListenAddress& listen,
                                                            uint64_t max_body_bytes,
                                                            AsyncHandler handler,
                                                            const HttpServerOptions& options) {
  auto state = std::make_shared<ServerState>();
  state->handler = std::move(handler);
  state->max_body_bytes = max_body_bytes;
  state->options = options;
  state->log = std::make_unique<RateLimitedLog>("sluice: " + options.name);
  auto server = std::make_unique<BeastHttpServer>(io, std::move(state));
  if (Status s = server->open(listen); !s) return s.error();
  server->run();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace sluice

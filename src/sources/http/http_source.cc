#include "sources/http/http_source.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include "core/log.h"

#include "core/rate_limited_log.h"
#include "net/server_tls.h"
#include "route/ingest_session.h"
#include "sources/http/body_decoding.h"
#include "sources/http/ingest_body.h"
#include "sources/http/json_answer.h"

namespace sluice {
namespace http_detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr auto kFlushRetry = std::chrono::milliseconds(10);
constexpr auto kStopFlushWait = std::chrono::seconds(3);

// IngestSessions for requests. A session is used by one request at a time; sessions are reused
// so that a steady stream of requests does not rebuild decoders and batches. A session left
// with lines it could not queue (a block-policy queue is full) is parked until a retry timer
// has queued them. Shared with the retry timer's handler, hence the shared_ptr.
struct SessionPool : std::enable_shared_from_this<SessionPool> {
  SessionPool(asio::io_context& io, const ActiveRoutes& routes)
      : routes(routes), timer(asio::make_strand(io)) {}

  // nullptr while any session is parked: the queues are full and the request gets a 503.
  std::unique_ptr<IngestSession> acquire() {
    std::lock_guard lock(mu);
    if (!parked.empty()) return nullptr;
    if (free.empty()) return std::make_unique<IngestSession>(routes, "", PayloadKind::kAuto, true);
    auto s = std::move(free.back());
    free.pop_back();
    // Lines a parked session's late flush dropped belonged to an answered request.
    (void)s->take_dropped_messages();
    return s;
  }

  // `on_flushed` (may be empty) runs once the session's lines are all queued.
  void release(std::unique_ptr<IngestSession> s, bool flushed, std::function<void()> on_flushed) {
    std::lock_guard lock(mu);
    if (flushed) {
      free.push_back(std::move(s));
      return;
    }
    parked.push_back(Parked{std::move(s), std::move(on_flushed)});
    arm_locked();
  }

  // True when nothing is parked any more.
  bool flush_parked_locked() {
    for (size_t i = 0; i < parked.size();) {
      if (parked[i].session->flush()) {
        // Only answers post to the connection's strand: safe under the lock.
        // Always asked, so that an idle pooled session keeps no channel alive.
        parked[i].session->when_durable(parked[i].on_flushed ? std::move(parked[i].on_flushed)
                                                             : [] {});
        free.push_back(std::move(parked[i].session));
        parked.erase(parked.begin() + long(i));
      } else {
        ++i;
      }
    }
    return parked.empty();
  }

  void arm_locked() {
    if (timer_armed || stopping) return;
    timer_armed = true;
    asio::post(timer.get_executor(), [self = shared_from_this()] {
      self->timer.expires_after(kFlushRetry);
      self->timer.async_wait([self](boost::system::error_code) { self->retry(); });
    });
  }

  void retry() {
    std::lock_guard lock(mu);
    timer_armed = false;
    if (!flush_parked_locked()) arm_locked();
  }

  const ActiveRoutes& routes;
  std::mutex mu;
  std::vector<std::unique_ptr<IngestSession>> free;
  struct Parked {
    std::unique_ptr<IngestSession> session;
    std::function<void()> on_flushed;
  };
  std::vector<Parked> parked;
  asio::steady_timer timer;  // used on its strand only
  bool timer_armed = false;
  bool stopping = false;
};

}  // namespace http_detail

using namespace http_detail;

HttpSource::HttpSource(const SourceContext& ctx, std::unique_ptr<IngestRouter> router)
    : ctx_(ctx),
      router_(std::move(router)),
      pool_(std::make_shared<SessionPool>(ctx.io, ctx.routes)),
      log_(std::make_unique<RateLimitedLog>(fmt::format("sluice: source {} ", kind_name()) +
                                            ctx.config.listen.to_string())) {}

HttpSource::~HttpSource() {
  stop();
}

Status HttpSource::start() {
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!ctx_.config.tls_cert.empty()) {
    auto loaded = load_server_tls(describe(), ctx_.config.tls_cert, ctx_.config.tls_key);
    if (!loaded) return loaded.error();
    tls = std::move(*loaded);
  }
  HttpServerOptions options;
  options.tls = std::move(tls);
  options.connection_loops = ctx_.connection_loops;
  options.max_connections = ctx_.config.max_connections;
  options.refused = &ctx_.counters.refused;
  options.body_budget = ctx_.body_budget;
  options.budget_refused = &ctx_.counters.bodies_refused;
  options.name = "source " + describe();
  auto server = HttpServer::start_async(
      ctx_.io, ctx_.config.listen, ctx_.config.max_body_bytes,
      [this](HttpRequest& request, HttpServer::Responder respond) {
        handle(request, std::move(respond));
      },
      options);
  if (!server) return Error(fmt::format("source {}: {}", kind_name(), server.error().message()));
  server_ = std::move(*server);
  return {};
}

void HttpSource::stop() {
  if (stopped_.exchange(true)) return;
  // The server waits for requests in progress, so no handler runs after this.
  if (server_) server_->stop();
  auto deadline = Clock::now() + kStopFlushWait;
  bool all_flushed = false;
  while (true) {
    {
      std::lock_guard lock(pool_->mu);
      pool_->stopping = true;
      all_flushed = pool_->flush_parked_locked();
    }
    if (all_flushed || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kFlushRetry);
  }
  if (!all_flushed) {
    log_warn("source {}: stopped with accepted lines still waiting for a full queue", describe());
  }
  asio::post(pool_->timer.get_executor(), [pool = pool_] { pool->timer.cancel(); });
}

std::string_view HttpSource::kind_name() const {
  return ctx_.config.type == SourceType::kFastly ? "fastly" : "http";
}

std::string HttpSource::describe() const {
  return fmt::format("{} {}:{}", kind_name(), ctx_.config.listen.host,
                     server_ ? server_->port() : ctx_.config.listen.port);
}

void HttpSource::handle(HttpRequest& request, HttpServer::Responder respond) {
  IngestRoute route = router_->route(request);
  if (route.answer.status != 0) return respond(std::move(route.answer));
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));

  auto encoding = parse_content_encoding(request.header("Content-Encoding"));
  if (!encoding) return respond(json_error_answer(415, encoding.error().message()));
  std::unique_ptr<IngestSession> session = pool_->acquire();
  if (!session) {
    HttpResponse r = json_error_answer(503, "the queues are full; retry later");
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  // The decoded copy is a body in progress too: charged to the body's lease as it grows, freed
  // (and given back) when this request is done.
  std::string decoded;
  std::string_view body = request.body;
  if (*encoding != BodyEncoding::kIdentity) {
    Status st = decode_body(*encoding, request.body, ctx_.config.max_body_bytes, decoded,
                            &request.body_lease);
    if (!st) {
      pool_->release(std::move(session), true, nullptr);
      if (st.error().code() == ErrorCode::kUnavailable) {
        ctx_.counters.bodies_refused.fetch_add(1, std::memory_order_relaxed);
        log_->log("{} {}: refused: {}", request.method, path, st.error().message());
        HttpResponse r = json_error_answer(503, st.error().message());
        r.headers.emplace_back("Retry-After", "1");
        return respond(std::move(r));
      }
      int status = st.error().code() == ErrorCode::kResourceExhausted ? 413 : 400;
      return respond(json_error_answer(status, st.error().message()));
    }
    body = decoded;
  }
  IngestOutcome outcome = route.ingest(*session, body);
  ctx_.counters.messages.fetch_add(outcome.accepted + outcome.rejected, std::memory_order_relaxed);
  ctx_.counters.rejected.fetch_add(outcome.rejected, std::memory_order_relaxed);
  ctx_.counters.bytes.fetch_add(request.body.size(), std::memory_order_relaxed);
  if (outcome.rejected > 0) {
    log_->log("{} {}: rejected {} of {} lines; line {}: {}", request.method, path, outcome.rejected,
              outcome.accepted + outcome.rejected, outcome.errors.front().line,
              outcome.errors.front().reason);
  }
  if (outcome.accepted == 0 && outcome.rejected > 0) {
    // Nothing of it can be delivered: the client must see an error, not 202.
    bool flushed = session->flush();  // nothing was queued: flushing only ends the batch
    pool_->release(std::move(session), flushed, nullptr);
    return respond(json_answer(400, outcome_json(outcome)));
  }
  bool flushed = session->flush();
  outcome.dropped = session->take_dropped_messages();
  outcome.accepted -= std::min(outcome.accepted, outcome.dropped);
  if (outcome.dropped > 0 && outcome.accepted == 0) {
    // A drop policy dropped every line: nothing was taken, and the client may retry later.
    pool_->release(std::move(session), flushed, nullptr);
    HttpResponse r = json_answer(503, outcome_json(outcome));
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  auto accepted = [respond, body = outcome_json(outcome)] { respond(json_answer(202, body)); };
  if (flushed) {
    // 202 once the lines are durable at the queue's fsync level: at once unless fsync = always.
    session->when_durable(accepted);
    pool_->release(std::move(session), true, nullptr);
  } else if (session->pending_for_durable_queue()) {
    // Lines still held for a full disk queue are not safe yet: answer once they are queued and
    // durable. The client waits; other connections do not.
    pool_->release(std::move(session), false, accepted);
  } else {
    // Memory queues: lines held by the parked session are as safe as queued ones (both are in
    // memory), so they are accepted now; the retry timer queues them.
    session->when_durable(accepted);
    pool_->release(std::move(session), false, nullptr);
  }
}

}  // namespace sluice

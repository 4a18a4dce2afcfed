// The https sink: batcher, request builder, client, retry logic and dead letter wired together.
//
// Order and acknowledgement
// -------------------------
// Requests are numbered in the order their lines left the queue and kept in that order until
// acknowledged. Up to `concurrency` are in flight. A request is retried by the sink itself, with
// the same body, never by giving its lines back to the queue: a nack puts lines at the queue's
// front, and two failed requests nacked in the wrong order would swap their lines.
//
// At most `concurrency` requests are unfinished at once, counted from the oldest one not yet
// done: a window that slides only when its oldest request is delivered (see pump()). Once any
// request fails with a retryable error, no new batch is sent until every failed request has
// succeeded: the failed ones are retried one at a time, oldest first, after the backoff (or the
// destination's Retry-After). Requests that were already in flight finish on their own. So with
// concurrency = 1 a receiver sees the lines in exactly the queue's order, across any number of
// failures; with more, requests of one window may arrive in either order (as they would without
// failures), but no request is ever overtaken by more than concurrency - 1 newer ones, however
// long it hangs or however often it fails.
//
// Lines are acknowledged to the queue in request order, when every older request is done too
// (delivered, or written to the dead letter), which a disk queue needs to trim its log. On stop,
// what is not done goes back to the queue, newest first, so the oldest is first again.
//
// The challenge: nothing is sent until the origin proved ownership (unless verify_ownership =
// false). Lines keep queueing meanwhile, and the queue pushes back as configured. The GET goes
// through the engine's ChallengeCache, so endpoints reaching one origin the same way share it:
// an origin is asked once, not once per endpoint.
//
// Threading: all state lives on a strand of ctx.io. The queue's data callback and the HTTP
// client's thread only post to it. Handlers hold a shared_ptr to the core; after stop() they do
// nothing.
#include "sinks/https/sink.h"
#include "queue/lease_pool.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sinks/backoff.h"
#include "sinks/dead_letter.h"
#include "sinks/http/challenge.h"
#include "sinks/http/challenge_cache.h"
#include "sinks/http/retry_logic.h"
#include "sinks/https/config.h"
#include "sinks/https/request_builder.h"
#include "sinks/https/service.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class HttpsSinkCore : public std::enable_shared_from_this<HttpsSinkCore> {
 public:
  HttpsSinkCore(SinkContext& ctx, const HttpsSinkSettings& settings,
                const HttpsSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        settings_(settings),
        delivery_(settings.delivery),
        options_(options),
        hostname_(ctx.hostname),
        strand_(asio::make_strand(ctx.io)),
        target_(https_target(settings)),
        backoff_(options.initial_backoff, cap(), seed()),
        challenge_backoff_(options.challenge_initial_backoff, cap(), seed() + 1),
        retry_timer_(strand_),
        linger_timer_(strand_),
        challenge_timer_(strand_),
        dead_letter_(ctx.endpoint.service_id, ctx.endpoint.name()),
        token_(challenge_token(ctx.endpoint.service_id)),
        challenges_(ctx.challenges ? ctx.challenges : std::make_shared<ChallengeCache>()),
        challenge_key_(challenge_origin_key(settings, target_)) {
    limit_ = delivery_.adaptive_concurrency ? 1 : delivery_.concurrency;
    what_ = settings.method + " " + settings.url;
  }

  void start() {
    auto builder = HttpsRequestBuilder::create(settings_, target_, config_->message_type, hostname_,
                                               endpoint_.name());
    auto client = start_https_client(settings_, target_);
    if (!builder || !client) {
      // Only resource exhaustion gets here (libdeflate, zstd or libcurl could not allocate): the
      // configuration was validated. Lines keep queueing; the state says why nothing moves.
      std::string why = !builder ? builder.error().message() : client.error().message();
      endpoint_.status.set_state(EndpointState::kError);
      endpoint_.status.record_error(ErrorClass::kConfiguration, why);
      return;
    }
    builder_ = std::move(*builder);
    client_ = std::move(*client);
    pump_when_lines_arrive(*endpoint_.queue, weak_from_this(), strand_,
                           &HttpsSinkCore::wake_posted_, &HttpsSinkCore::pump);
    asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      if (self->settings_.verify_ownership) {
        self->state_.set(EndpointState::kVerifying);
        self->send_challenge();
      } else {
        self->verified_ = true;
        self->state_.set(EndpointState::kOk);
        self->pump();
      }
    });
  }

  void flush() {
    asio::post(strand_, [self = shared_from_this()] {
      self->flushing_ = true;
      self->pump();
    });
  }

  // Runs on the io thread with the loop stopping or stopped, so it does its work directly.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    retry_timer_.cancel();
    linger_timer_.cancel();
    challenge_timer_.cancel();
    if (client_) client_->stop();  // joins the client thread: no response arrives after this
    // After the client stopped: a challenge GET of ours still counted as in flight is handed on
    // (a no-op when this endpoint is not waiting on the cache).
    challenges_->cancel(challenge_key_, this);
    // Newest first: the open batch, then requests from the newest. Delivered requests are
    // acknowledged (sending them again would only duplicate); the rest go back to the front.
    release(open_.leases, /*delivered=*/false);
    open_ = {};
    while (!requests_.empty()) {
      Request& r = *requests_.back();
      release(r.leases, r.state == Request::State::kDone);
      requests_.pop_back();
    }
    endpoint_.counters.requests_in_flight.store(0, std::memory_order_relaxed);
    state_.set(EndpointState::kStopped);
  }

 private:
  struct Request {
    enum class State : uint8_t { kInFlight, kWaiting, kDone };
    uint64_t seq = 0;
    std::vector<Lease> leases;
    std::shared_ptr<const std::string> body;
    size_t lines = 0;
    size_t raw_bytes = 0;
    Clock::time_point taken_at;
    State state = State::kInFlight;
    uint32_t attempts = 0;
  };

  struct OpenBatch {
    std::vector<Lease> leases;
    size_t lines = 0;
    size_t bytes = 0;  // HttpBodyBuilder::line_cost of its lines
    bool full = false;
    Clock::time_point first_at;
  };

  [[nodiscard]] milliseconds cap() const {
    return milliseconds(int64_t(delivery_.max_backoff_seconds * 1000));
  }
  [[nodiscard]] uint64_t seed() const {
    return options_.jitter_seed ? options_.jitter_seed : std::random_device{}();
  }

  // ---- the challenge ------------------------------------------------------------------------

  // Asks the cache; the GET (ours, or another endpoint's to the same origin) is sent by `ask`
  // on this endpoint's client, and its answer is handed to the cache from the client thread.
  void send_challenge() {
    std::weak_ptr<HttpsSinkCore> weak = weak_from_this();
    auto ask = [weak, cache = challenges_, key = challenge_key_] {
      auto self = weak.lock();
      if (!self) {
        cache->answer(key, HttpOutcome{.transport_ok = false,
                                       .transport = HttpOutcome::Transport::kConnection,
                                       .transport_error = "the endpoint stopped"});
        return;
      }
      self->client_->send(self->builder_->challenge_request(),
                          [cache, key](HttpClientResponse r) { cache->answer(key, r.outcome); });
    };
    auto done = [weak](bool verified, const HttpOutcome& outcome) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->strand_, [self, verified, outcome]() {
        if (!self->stopped_) self->on_challenge(verified, outcome);
      });
    };
    challenges_->verify(challenge_key_, this, token_, std::move(ask), std::move(done));
  }

  void on_challenge(bool verified, const HttpOutcome& o) {
    if (verified) {
      verified_ = true;
      challenge_backoff_.reset();
      state_.set(EndpointState::kOk);
      pump();
      return;
    }
    std::string reason;
    if (!o.transport_ok) {
      reason = o.transport_error;
    } else if (o.status != 200) {
      reason = fmt::format("HTTP {} (expected 200)", o.status);
    } else {
      reason = fmt::format(
          "the response has no line \"{}\" (hex(sha256(\"{}\")), see `sluice challenge`) or \"*\"",
          token_, endpoint_.service_id);
    }
    endpoint_.counters.errors[size_t(ErrorClass::kConfiguration)].fetch_add(
        1, std::memory_order_relaxed);
    endpoint_.status.record_error(
        ErrorClass::kConfiguration,
        fmt::format("domain-ownership challenge GET {}: {}; nothing is sent until it passes",
                    target_.challenge_url, reason));
    state_.set(EndpointState::kChallengeFailed);
    challenge_timer_.expires_after(std::max(challenge_backoff_.next(), milliseconds(50)));
    challenge_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      self->send_challenge();
    });
  }

  // ---- batching -----------------------------------------------------------------------------

  [[nodiscard]] bool can_dispatch() const {
    return verified_ && !stopped_ && waiting_ == 0 && !retry_in_flight_ && builder_;
  }

  // A new request goes out only while fewer than `limit_` requests are unfinished, counted from
  // the oldest not yet settled (a sliding window, as TCP's): a slow or hung request holds the
  // window instead of being overtaken by ever more new ones. So a line never arrives more than
  // limit_ - 1 requests away from its place, and delivered requests waiting behind a slow one
  // (their lines not yet acknowledged to the queue) stay bounded.
  void pump() {
    if (!can_dispatch()) return;
    while (requests_.size() < limit_) {
      fill_open();
      if (open_.lines == 0) return;
      auto now = Clock::now();
      auto due = open_.first_at + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(delivery_.period_seconds));
      if (open_.full || flushing_ || now >= due) {
        if (!dispatch_open()) return;  // the retry timer pumps again
        continue;
      }
      if (!linger_armed_) {
        linger_armed_ = true;
        linger_timer_.expires_at(due);
        linger_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          self->linger_armed_ = false;
          if (ec || self->stopped_) return;
          self->pump();
        });
      }
      return;
    }
  }

  // Takes lines into the open batch up to request_max_entries and request_max_bytes. A take
  // that would overflow the byte limit (queue sizes do not count separators) is handed back
  // and asked again smaller; a single line larger than the limit goes alone.
  void fill_open() {
    size_t max_lines = delivery_.request_max_entries;
    size_t max_bytes = size_t(delivery_.request_max_bytes);
    while (!open_.full && open_.lines < max_lines && open_.bytes < max_bytes) {
      size_t budget = max_bytes - open_.bytes;
      while (true) {
        Lease lease = leases_.take();
        if (!endpoint_.queue->take(max_lines - open_.lines, budget, lease)) {
          leases_.give(std::move(lease));
          return;
        }
        size_t n = lease.lines.size();
        size_t cost = lease.lines.byte_size() + n;
        if (open_.bytes + cost <= max_bytes || (open_.lines == 0 && n == 1)) {
          if (open_.lines == 0) open_.first_at = Clock::now();
          open_.lines += n;
          open_.bytes += cost;
          if (open_.bytes >= max_bytes) open_.full = true;
          open_.leases.push_back(std::move(lease));
          break;
        }
        endpoint_.queue->nack(lease);
        leases_.give(std::move(lease));
        if (n == 1 || budget <= n) {
          open_.full = true;  // the next line does not fit: send what we have
          return;
        }
        budget -= n;
      }
    }
    if (open_.lines >= max_lines) open_.full = true;
  }

  // False when the body could not be built: the lines went back and a retry is scheduled.
  [[nodiscard]] bool dispatch_open() {
    auto req = std::make_unique<Request>();
    req->seq = ++next_seq_;
    req->leases = std::move(open_.leases);
    req->lines = open_.lines;
    req->taken_at = open_.first_at;
    open_ = OpenBatch{};
    if (linger_armed_) linger_timer_.cancel();

    std::vector<const LineBatch*> batches;
    batches.reserve(req->leases.size());
    for (const Lease& l : req->leases) batches.push_back(&l.lines);
    Status st = builder_->build_body(batches, std::chrono::system_clock::now(), body_);
    if (!st) {
      // Compression failed (out of memory): give the lines back and try again later.
      endpoint_.status.record_error(ErrorClass::kRetryable, st.error().message());
      release(req->leases, false);
      schedule_retry(backoff_.next());
      return false;
    }
    req->raw_bytes = body_.raw_bytes;
    if (body_.invalid_json > 0) {
      endpoint_.counters.invalid_json.fetch_add(body_.invalid_json, std::memory_order_relaxed);
    }
    // The wire buffer moves into the request (shared with the client thread while in flight).
    auto body = std::make_shared<std::string>();
    body->swap(body_.wire);
    req->body = std::move(body);
    Request& r = *req;
    requests_.push_back(std::move(req));
    send(r);
    return true;
  }

  // ---- sending and responses ----------------------------------------------------------------

  void send(Request& r) {
    r.state = Request::State::kInFlight;
    ++r.attempts;
    ++in_flight_;
    endpoint_.counters.requests_in_flight.store(in_flight_, std::memory_order_relaxed);
    uint64_t seq = r.seq;
    client_->send(builder_->request(r.body),
                  [weak = weak_from_this(), seq](HttpClientResponse resp) {
                    auto self = weak.lock();
                    if (!self) return;
                    asio::post(self->strand_, [self, seq, resp = std::move(resp)]() mutable {
                      if (!self->stopped_) self->on_response(seq, resp);
                    });
                  });
  }

  Request* find(uint64_t seq) {
    for (auto& r : requests_) {
      if (r->seq == seq) return r.get();
    }
    return nullptr;
  }

  void on_response(uint64_t seq, const HttpClientResponse& resp) {
    Request* r = find(seq);
    if (r == nullptr || r->state != Request::State::kInFlight) return;
    --in_flight_;
    endpoint_.counters.requests_in_flight.store(in_flight_, std::memory_order_relaxed);
    bool was_retry = r->attempts > 1 && retry_in_flight_ && retry_seq_ == seq;
    if (was_retry) retry_in_flight_ = false;

    HttpVerdict v = classify_http_outcome(resp.outcome, what_, std::chrono::system_clock::now());
    auto& c = endpoint_.counters;
    switch (v.action) {
      case HttpVerdict::Action::kSuccess:
        r->state = Request::State::kDone;
        c.delivered.fetch_add(r->lines, std::memory_order_relaxed);
        c.delivered_bytes.fetch_add(r->raw_bytes, std::memory_order_relaxed);
        endpoint_.status.record_success();
        backoff_.reset();
        adapt(true, resp.elapsed);
        break;
      case HttpVerdict::Action::kRetry:
        c.errors[size_t(v.error_class)].fetch_add(1, std::memory_order_relaxed);
        c.retried.fetch_add(r->lines, std::memory_order_relaxed);
        endpoint_.status.record_error(v.error_class, v.message);
        r->state = Request::State::kWaiting;
        ++waiting_;
        adapt(false, resp.elapsed);
        {
          milliseconds delay = v.retry_after                                 ? *v.retry_after
                               : v.error_class == ErrorClass::kConfiguration ? backoff_.slow()
                                                                             : backoff_.next();
          schedule_retry(delay);
        }
        break;
      case HttpVerdict::Action::kDontRetry:
        dead_letter(*r, v);
        break;
    }
    settle();
    update_state(v);
    if (!retry_in_flight_ && waiting_ > 0 && !retry_armed_) {
      // The retried request went through: the destination is back, so send the next failed
      // one now rather than after another backoff.
      send_next_waiting();
    }
    pump();
  }

  void dead_letter(Request& r, const HttpVerdict& v) {
    std::string_view where = "stderr";
    if (endpoint_.queue->durable()) {
      // A disk queue keeps refused lines in its dead-letter segments, where `sluice queue
      // inspect` sees them and `sluice queue replay --dead-letter` sends them again.
      for (const Lease& l : r.leases) endpoint_.queue->dead_letter(l, 0, l.lines.size());
      where = "the disk queue's dead-letter segments";
    } else {
      std::vector<const LineBatch*> batches;
      for (const Lease& l : r.leases) batches.push_back(&l.lines);
      dead_letter_.write(batches, v.message);
    }
    auto& c = endpoint_.counters;
    c.errors[size_t(ErrorClass::kPermanent)].fetch_add(1, std::memory_order_relaxed);
    c.dropped[size_t(DropReason::kPermanentError)].fetch_add(r.lines, std::memory_order_relaxed);
    endpoint_.status.record_error(
        ErrorClass::kPermanent,
        fmt::format("{}; {} line(s) written to the dead letter ({})", v.message, r.lines, where));
    r.state = Request::State::kDone;
  }

  void schedule_retry(milliseconds delay) {
    if (retry_armed_ || retry_in_flight_) return;
    retry_armed_ = true;
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->retry_armed_ = false;
      if (ec || self->stopped_) return;
      self->send_next_waiting();
      self->pump();
    });
  }

  // Retries the oldest failed request, alone.
  void send_next_waiting() {
    if (retry_in_flight_ || stopped_) return;
    for (auto& r : requests_) {
      if (r->state != Request::State::kWaiting) continue;
      --waiting_;
      retry_in_flight_ = true;
      retry_seq_ = r->seq;
      send(*r);
      return;
    }
  }

  // Acknowledges, in request order, every request whose older requests are all done.
  void settle() {
    while (!requests_.empty() && requests_.front()->state == Request::State::kDone) {
      Request& r = *requests_.front();
      for (Lease& l : r.leases) {
        endpoint_.queue->ack(l);
        leases_.give(std::move(l));
      }
      endpoint_.counters.observe_batch_latency(Clock::now() - r.taken_at);
      requests_.pop_front();
    }
  }

  // Gives leases back to the queue (or acknowledges them, if delivered), newest first.
  void release(std::vector<Lease>& leases, bool delivered) {
    for (auto it = leases.rbegin(); it != leases.rend(); ++it) {
      if (delivered) {
        endpoint_.queue->ack(*it);
      } else {
        endpoint_.queue->nack(*it);
      }
    }
    leases.clear();
  }

  // Adaptive concurrency (concurrency = "adaptive"): additive increase while the destination
  // answers quickly, multiplicative decrease when it fails or slows down, as TCP does. The
  // limit grows by one per `limit_` successes whose latency is within twice the best seen.
  void adapt(bool ok, std::chrono::microseconds rtt) {
    if (!delivery_.adaptive_concurrency) return;
    if (!ok) {
      limit_ = std::max<uint32_t>(1, limit_ / 2);
      streak_ = 0;
      return;
    }
    if (best_rtt_.count() == 0 || rtt < best_rtt_) best_rtt_ = rtt;
    if (rtt > best_rtt_ * 4) {
      limit_ = std::max<uint32_t>(1, limit_ - 1);
      streak_ = 0;
    } else if (rtt <= best_rtt_ * 2 && ++streak_ >= limit_) {
      limit_ = std::min(limit_ + 1, delivery_.concurrency);
      streak_ = 0;
    }
  }

  void update_state(const HttpVerdict& last) {
    if (waiting_ > 0 || retry_in_flight_) {
      state_.set(last.error_class == ErrorClass::kConfiguration &&
                         last.action != HttpVerdict::Action::kSuccess
                     ? EndpointState::kError
                     : EndpointState::kRetrying);
    } else {
      state_.set(EndpointState::kOk);
    }
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;  // keeps settings_ alive
  const HttpsSinkSettings& settings_;  // owned by the engine's Config, which outlives sinks
  const HttpDeliverySettings& delivery_;
  HttpsSinkOptions options_;
  std::string hostname_;
  asio::strand<asio::io_context::executor_type> strand_;
  HttpsTarget target_;
  Backoff backoff_;
  Backoff challenge_backoff_;
  asio::steady_timer retry_timer_;
  asio::steady_timer linger_timer_;
  asio::steady_timer challenge_timer_;
  DeadLetter dead_letter_;
  std::string token_;
  std::shared_ptr<ChallengeCache> challenges_;
  std::string challenge_key_;
  std::string what_;

  // Set once in start(), before the first challenge, and never reset: the ChallengeCache may
  // have another endpoint's thread send our challenge GET through them (HttpClient::send is
  // thread-safe, challenge_request() const).
  std::unique_ptr<HttpsRequestBuilder> builder_;
  std::unique_ptr<HttpClient> client_;
  std::atomic<bool> wake_posted_{false};

  bool verified_ = false;
  bool stopped_ = false;
  bool flushing_ = false;
  bool linger_armed_ = false;
  bool retry_armed_ = false;
  bool retry_in_flight_ = false;
  uint64_t retry_seq_ = 0;
  uint32_t limit_ = 1;
  uint32_t in_flight_ = 0;
  uint32_t waiting_ = 0;
  uint32_t streak_ = 0;
  std::chrono::microseconds best_rtt_{0};
  uint64_t next_seq_ = 0;
  SinkState state_{endpoint_.status};

  OpenBatch open_;
  std::deque<std::unique_ptr<Request>> requests_;  // oldest first
  EncodedBody body_;
  LeasePool leases_{16};
};

}  // namespace

std::unique_ptr<Sink> make_https_sink(SinkContext& ctx) {
  return make_https_sink(ctx, HttpsSinkOptions{});
}

std::unique_ptr<Sink> make_https_sink(SinkContext& ctx, const HttpsSinkOptions& options) {
  return make_shared_core_sink<HttpsSinkCore, HttpsSinkSettings>(ctx, options);
}

}  // namespace sluice

// The https sink: the delivery driver, fed by the https request builder and HTTP client, behind
// the domain-ownership challenge.
//
// Batching, the request window, retries, the dead letter and ordered acknowledgement are the
// DeliveryDriver's (see delivery/delivery_driver.h for the order guarantees). This file adds
// what is https's own:
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

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/backoff.h"
#include "delivery/delivery_driver.h"
#include "delivery/delivery_reporter.h"
#include "delivery/wake_timer.h"
#include "sinks/http/answer_on_strand.h"
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

DeliveryDriverSettings driver_settings(const HttpDeliverySettings& d, const SinkLimits& limits,
                                       const HttpsSinkOptions& options) {
  DeliveryDriverSettings s;
  s.batch.max_entries = d.request_max_entries;
  s.batch.max_bytes = d.request_max_bytes;
  s.batch.line_overhead = 1;  // the separator json_format adds between lines
  s.batch.linger =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(d.period_seconds));
  s.batch = s.batch.clamped_to(limits);
  s.concurrency = d.concurrency;
  s.adaptive_concurrency = d.adaptive_concurrency;
  s.initial_backoff = options.initial_backoff;
  s.max_backoff = milliseconds(int64_t(d.max_backoff_seconds * 1000));
  s.jitter_seed = options.jitter_seed;
  return s;
}

class HttpsSinkCore : public std::enable_shared_from_this<HttpsSinkCore>, public DeliveryHost {
 public:
  HttpsSinkCore(SinkContext& ctx, const HttpsSinkSettings& settings,
                const HttpsSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        destinations_(ctx.destinations),
        settings_(settings),
        hostname_(ctx.hostname),
        strand_(asio::make_strand(ctx.io)),
        target_(https_target(settings)),
        challenge_backoff_(options.challenge_initial_backoff,
                           milliseconds(int64_t(settings.delivery.max_backoff_seconds * 1000)),
                           options.jitter_seed ? options.jitter_seed + 1 : std::random_device{}()),
        challenge_timer_(strand_),
        wake_(strand_),
        token_(challenge_token(ctx.endpoint.service_id)),
        challenges_(ctx.challenges ? ctx.challenges : std::make_shared<ChallengeCache>()),
        challenge_key_(challenge_origin_key(settings, target_)),
        what_(settings.method + " " + target_.display_url),
        reporter_(ctx.endpoint),
        driver_(*ctx.endpoint.queue, reporter_, *this,
                driver_settings(settings.delivery, ctx.limits, options)) {}

  void start() {
    auto builder = HttpsRequestBuilder::create(settings_, target_, config_->message_type, hostname_,
                                               endpoint_.name());
    auto client = start_https_client(settings_, target_, destinations_);
    if (!builder || !client) {
      // Only resource exhaustion gets here (libdeflate, zstd or libcurl could not allocate): the
      // configuration was validated. Lines keep queueing; the state says why nothing moves.
      std::string why = !builder ? builder.error().message() : client.error().message();
      reporter_.set_state(EndpointState::kError);
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
        self->reporter_.set_state(EndpointState::kVerifying);
        self->send_challenge();
      } else {
        self->reporter_.set_state(EndpointState::kOk);
        self->driver_.set_ready(true, Clock::now());
      }
    });
  }

  void flush() {
    asio::post(strand_, [self = shared_from_this()] { self->driver_.flush(Clock::now()); });
  }

  // Runs on the io thread with the loop stopping or stopped, so it does its work directly.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    wake_.cancel();
    challenge_timer_.cancel();
    if (client_) client_->stop();  // joins the client thread: no response arrives after this
    // After the client stopped: a challenge GET of ours still counted as in flight is handed on
    // (a no-op when this endpoint is not waiting on the cache).
    challenges_->cancel(challenge_key_, this);
    driver_.stop();
  }

  Result<Payload> build(std::span<const LineBatch* const> lines) override {
    Status st = builder_->build_body(lines, std::chrono::system_clock::now(), body_);
    if (!st) return st.error();
    if (body_.invalid_json > 0) {
      endpoint_.counters.invalid_json.fetch_add(body_.invalid_json, std::memory_order_relaxed);
    }
    // The wire buffer moves into the payload (shared with the client thread while in flight).
    auto body = std::make_shared<std::string>();
    body->swap(body_.wire);
    return Payload{std::move(body), body_.raw_bytes};
  }

  void send(uint64_t id, const Payload& payload) override {
    send_answering_on_strand(
        *client_, builder_->request(payload.body), weak_from_this(), strand_,
        [id](HttpsSinkCore& self, const HttpClientResponse& resp) {
          Verdict v = to_verdict(classify_http_outcome(
              resp.outcome, self.what_, std::chrono::system_clock::now(), self.target_.secrets));
          self.driver_.on_response(id, v, Clock::now());
        });
  }

  [[nodiscard]] bool stopped() const { return stopped_; }

  void wake_at(Clock::time_point at) override {
    wake_.arm(at, [self = shared_from_this()] {
      if (!self->stopped_) self->driver_.on_wake(Clock::now());
    });
  }

 private:
  void pump() { driver_.pump(Clock::now()); }

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
      challenge_backoff_.reset();
      reporter_.set_state(EndpointState::kOk);
      driver_.set_ready(true, Clock::now());
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
    reporter_.error(ErrorClass::kConfiguration,
                    fmt::format("domain-ownership challenge GET {}: {}; nothing is sent until it "
                                "passes",
                                target_.challenge_url, reason));
    reporter_.set_state(EndpointState::kChallengeFailed);
    challenge_timer_.expires_after(std::max(challenge_backoff_.next(), milliseconds(50)));
    challenge_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      self->send_challenge();
    });
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;           // keeps settings_ alive
  std::shared_ptr<const DestinationPolicy> destinations_;  // where the client may connect
  const HttpsSinkSettings& settings_;
  std::string hostname_;
  asio::strand<asio::io_context::executor_type> strand_;
  HttpsTarget target_;
  Backoff challenge_backoff_;
  asio::steady_timer challenge_timer_;
  WakeTimer wake_;
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
  bool stopped_ = false;
  EncodedBody body_;

  DeliveryReporter reporter_;
  DeliveryDriver driver_;
};

}  // namespace

std::unique_ptr<Sink> make_https_sink(SinkContext& ctx) {
  return make_https_sink(ctx, HttpsSinkOptions{});
}

std::unique_ptr<Sink> make_https_sink(SinkContext& ctx, const HttpsSinkOptions& options) {
  return make_shared_core_sink<HttpsSinkCore, HttpsSinkSettings>(ctx, options);
}

}  // namespace sluice

#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/backoff.h"
#include "core/result.h"
#include "delivery/batch_limits.h"
#include "delivery/batcher.h"
#include "delivery/delivery_reporter.h"
#include "delivery/lease_ledger.h"
#include "delivery/request_planner.h"
#include "delivery/request_window.h"
#include "delivery/verdict.h"

namespace sluice {

// The sink's side of the driver (Vector's split): the request builder, the service, and a timer.
// The driver calls them on its own thread and never from inside another of its calls' callbacks.
class DeliveryHost {
 public:
  virtual ~DeliveryHost() = default;
  // The request builder: lines into a payload. An error (out of memory) gives the lines back to
  // the queue; the driver tries again after a backoff. Not called when a RequestPlanner builds.
  [[nodiscard]] virtual Result<Payload> build(std::span<const LineBatch* const> lines);
  // The service: sends, and later hands the retry logic's Verdict to on_response(id, ...), on
  // the driver's thread. Must not call on_response from inside send().
  virtual void send(uint64_t id, const Payload& payload) = 0;
  // Asks for on_wake() at `at` or soon after. A later call may ask for an earlier time; a time
  // asked for and passed by an earlier wake is asked again if still wanted.
  virtual void wake_at(std::chrono::steady_clock::time_point at) = 0;
};

struct DeliveryDriverSettings {
  BatchLimits batch;  // already clamped to the type's limits
  uint32_t concurrency = 1;
  // The most bytes of lines in unsettled requests (0: no limit), beside the request window: a
  // stream holds many requests of any size (syslog's resend window).
  uint64_t window_max_bytes = 0;
  bool adaptive_concurrency = false;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{60000};
  uint64_t jitter_seed = 0;  // 0 = random
  // The service delivers requests in the order they were sent (one stream, as syslog's): after a
  // failure, the failed requests are resent together, oldest first, and new ones may follow them
  // at once, rather than one at a time.
  bool ordered_service = false;
  // Keep each request's payload until it is settled, to resend it as it was. Without, a failed
  // request is built again from its lines, and the host keeps the body while it needs it: a
  // stream sink holds its requests for long after writing them.
  bool keep_payloads = true;
};

// Delivery for every request/response sink: batches the endpoint's queue into requests, keeps up
// to a window of them in flight, retries, dead-letters, and acknowledges lines to the queue in
// order. The sink supplies a DeliveryHost; time is passed in, so the whole of it is testable
// without I/O or sleeps. Single-threaded: every call on the sink's strand.
//
// Order. Requests are numbered in take order and kept until settled. A request is retried by the
// driver, with the same lines, never by giving them back to the queue: two failed requests nacked
// in the wrong order would swap their lines. The window slides only when its oldest request is
// done, so no request is overtaken by more than limit - 1 newer ones however long it hangs.
// Once a request fails, nothing new is sent until every failed request has succeeded: they are
// retried one at a time, oldest first, after the backoff (capped, full jitter) or the
// destination's Retry-After. So with concurrency 1 a receiver sees lines in queue order across
// any number of failures.
//
// With a RequestPlanner (a partitioned destination), the planner chooses each request's lines,
// requests are independent (the window counts those in flight), and a failed request's lines go
// back to the planner rather than being resent as they were; its delay (backoff, Retry-After)
// holds back everything new. A Verdict marked `throttled` is the destination's rate limit, which
// the planner shapes for: no error and no backoff.
//
// Acknowledgement. Lines are acknowledged to the queue (LeaseLedger) only when every older line
// is finished too, which a disk queue needs to trim its log. On stop, what is not finished goes
// back to the queue, oldest first again.
class DeliveryDriver {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kDispatchesPerPump = 8;

  DeliveryDriver(EndpointQueue& queue, DeliveryReporter& reporter, DeliveryHost& host,
                 const DeliveryDriverSettings& settings, RequestPlanner* planner = nullptr);

  // Whether the destination may be sent to (an ownership challenge passed, credentials ready).
  // Lines queue until it may; requests already in flight finish either way.
  void set_ready(bool ready, Clock::time_point now);
  // Lines arrived: send what is due.
  void pump(Clock::time_point now);
  // The time asked for with wake_at came: retries and lingering batches.
  void on_wake(Clock::time_point now);
  // From now on, batches go without waiting for their linger time (shutdown drains).
  void flush(Clock::time_point now);
  // The retry logic's answer for request `id`; `now - sent` is its latency.
  void on_response(uint64_t id, const Verdict& verdict, Clock::time_point now);
  // Stops: unfinished lines go back to the queue. Nothing is called on the host afterwards.
  void stop();

  // The transport under every request in flight broke (a stream's connection): they all failed
  // with `verdict` (a kRetry), and one error is reported, even with nothing in flight.
  void fail_in_flight(const Verdict& verdict, Clock::time_point now);

  // Lines the planner holds that must not be sent: written to the dead letter, or dropped as
  // expired. May be called from inside the planner's calls.
  void dead_letter(std::span<const LineRange> lines, std::string_view reason,
                   Clock::time_point now);
  void expired(std::span<const LineRange> lines, Clock::time_point now);

  [[nodiscard]] bool retrying() const { return waiting_ > 0 || retry_in_flight_; }
  [[nodiscard]] const LeaseLedger& ledger() const { return ledger_; }

 private:
  struct Request {
    enum class State : uint8_t { kInFlight, kWaiting, kDone };
    uint64_t id = 0;
    std::vector<LineRange> ranges;
    Payload payload;  // no body: build it before the next send (after a partial retry)
    size_t lines = 0;
    uint64_t bytes = 0;  // of its lines as taken, against window_max_bytes
    State state = State::kInFlight;
    Clock::time_point sent_at;
  };

  [[nodiscard]] bool can_dispatch(Clock::time_point now) const;
  [[nodiscard]] bool window_full() const;
  Request& add_request(std::vector<LineRange> ranges, Payload payload);
  bool dispatch(Clock::time_point now);
  bool dispatch_planned(Clock::time_point now);
  void replan(Request& r, std::vector<uint32_t> failed, const Verdict& v, Clock::time_point now);
  [[nodiscard]] Result<Payload> build(const std::vector<LineRange>& ranges);
  void send(Request& r, Clock::time_point now);
  Request* find(uint64_t id);
  void succeeded(Request& r, Clock::time_point now);
  void failed(Request& r, const Verdict& v, Clock::time_point now);
  void partly_failed(Request& r, const Verdict& v, Clock::time_point now);
  void refused(Request& r, const Verdict& v, Clock::time_point now);
  [[nodiscard]] std::chrono::milliseconds retry_delay(const Verdict& v);
  void finish(Request& r, Clock::time_point now);
  void schedule_retry(Clock::time_point at);
  void send_next_waiting(Clock::time_point now);
  void settle(Clock::time_point now);
  void update_state(const Verdict& last);

  DeliveryReporter& reporter_;
  DeliveryHost& host_;
  const bool ordered_service_;
  const bool keep_payloads_;
  const uint64_t window_max_bytes_;
  uint64_t window_bytes_ = 0;  // of the requests held
  RequestPlanner* planner_;    // null: the batcher's requests, in order
  LeaseLedger ledger_;
  Batcher batcher_;
  RequestWindow window_;
  Backoff backoff_;

  bool ready_ = false;
  bool stopped_ = false;
  bool flushing_ = false;
  bool retry_armed_ = false;
  bool retry_in_flight_ = false;
  uint64_t retry_id_ = 0;
  Clock::time_point retry_at_;
  Clock::time_point blocked_until_;  // a build failed: nothing new before this
  uint32_t in_flight_ = 0;
  uint32_t waiting_ = 0;
  uint64_t next_id_ = 0;
  std::deque<Request> requests_;  // oldest first
  LineBatch scratch_;             // the lines of a partial retry, gathered to build from
};

}  // namespace sluice

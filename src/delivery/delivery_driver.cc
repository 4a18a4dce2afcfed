#include "delivery/delivery_driver.h"

#include <algorithm>
#include <random>

namespace sluice {
namespace {

// Appends line `index` of `lease` to `out`, merging it into the last range when adjacent.
void append_line(std::vector<LineRange>& out, uint64_t lease, uint32_t index) {
  if (!out.empty() && out.back().lease == lease && out.back().first + out.back().count == index) {
    ++out.back().count;
    return;
  }
  out.push_back(LineRange{lease, index, 1});
}

}  // namespace

Result<Payload> DeliveryHost::build(std::span<const LineBatch* const>) {
  return Error(ErrorCode::kInternal, "this sink's requests are built by its planner");
}

DeliveryDriver::DeliveryDriver(EndpointQueue& queue, DeliveryReporter& reporter, DeliveryHost& host,
                               const DeliveryDriverSettings& settings, RequestPlanner* planner)
    : reporter_(reporter),
      host_(host),
      ordered_service_(settings.ordered_service),
      keep_payloads_(settings.keep_payloads),
      window_max_bytes_(settings.window_max_bytes),
      planner_(planner),
      ledger_(queue, reporter.endpoint().counters),
      batcher_(ledger_, settings.batch),
      window_(settings.concurrency, settings.adaptive_concurrency),
      backoff_(settings.initial_backoff, settings.max_backoff,
               settings.jitter_seed != 0 ? settings.jitter_seed : std::random_device{}()) {}

void DeliveryDriver::set_ready(bool ready, Clock::time_point now) {
  ready_ = ready;
  if (!ready_ || stopped_) return;
  if (waiting_ > 0 && !retry_armed_ && !retry_in_flight_) send_next_waiting(now);
  pump(now);
}

bool DeliveryDriver::can_dispatch(Clock::time_point now) const {
  return ready_ && !stopped_ && waiting_ == 0 && (ordered_service_ || !retry_in_flight_) &&
         now >= blocked_until_;
}

// A new request goes out only while fewer than the window's limit are unsettled, counted from the
// oldest (a sliding window, as TCP's): a slow request holds the window instead of being overtaken
// by ever more new ones, and the delivered requests waiting behind it stay bounded. At most
// kDispatchesPerPump are built in one call; then the driver asks to be woken at once, so a sink
// with a deep queue and a wide window gives the other sinks on its loop a turn.
void DeliveryDriver::pump(Clock::time_point now) {
  if (stopped_) return;
  if (ready_ && now < blocked_until_) {
    host_.wake_at(blocked_until_);
    return;
  }
  if (!can_dispatch(now)) return;
  for (int dispatched = 0;; ++dispatched) {
    if (window_full()) return;
    if (dispatched == kDispatchesPerPump) {
      host_.wake_at(now);
      return;
    }
    if (planner_ != nullptr) {
      if (!dispatch_planned(now)) return;
      continue;
    }
    batcher_.fill(now);
    if (batcher_.empty()) return;
    if (!batcher_.ready(now, flushing_)) {
      host_.wake_at(batcher_.due());
      return;
    }
    if (!dispatch(now)) return;
  }
}

bool DeliveryDriver::window_full() const {
  if (window_max_bytes_ > 0 && window_bytes_ >= window_max_bytes_) return true;
  return planner_ != nullptr ? in_flight_ >= window_.limit() : requests_.size() >= window_.limit();
}

DeliveryDriver::Request& DeliveryDriver::add_request(std::vector<LineRange> ranges,
                                                     Payload payload) {
  Request& r = requests_.emplace_back();
  r.id = ++next_id_;
  for (const LineRange& range : ranges) {
    r.lines += range.count;
    const LineBatch& lines = ledger_.lines(range.lease);
    r.bytes += lines.bytes_before(range.first + range.count) - lines.bytes_before(range.first);
  }
  window_bytes_ += r.bytes;
  r.ranges = std::move(ranges);
  r.payload = std::move(payload);
  return r;
}

void DeliveryDriver::on_wake(Clock::time_point now) {
  if (stopped_) return;
  if (retry_armed_) {
    if (now >= retry_at_) {
      retry_armed_ = false;
      send_next_waiting(now);
    } else {
      host_.wake_at(retry_at_);
    }
  }
  pump(now);
}

void DeliveryDriver::flush(Clock::time_point now) {
  flushing_ = true;
  pump(now);
}

Result<Payload> DeliveryDriver::build(const std::vector<LineRange>& ranges) {
  std::vector<const LineBatch*> batches;
  batches.reserve(ranges.size());
  bool whole_leases = true;
  for (const LineRange& r : ranges) {
    const LineBatch& lines = ledger_.lines(r.lease);
    whole_leases = whole_leases && r.first == 0 && r.count == lines.size();
    batches.push_back(&lines);
  }
  if (!whole_leases) {
    // Only after a partial failure: gather the lines that are left.
    scratch_.clear();
    for (const LineRange& r : ranges) {
      const LineBatch& lines = ledger_.lines(r.lease);
      for (uint32_t i = r.first; i < r.first + r.count; ++i) scratch_.add(lines.line(i));
    }
    batches.assign(1, &scratch_);
  }
  return host_.build(batches);
}

bool DeliveryDriver::dispatch(Clock::time_point now) {
  std::vector<LineRange> ranges = batcher_.take();
  auto payload = build(ranges);
  if (!payload) {
    // Only resource exhaustion gets here (a compressor could not allocate): the lines go back,
    // in order, and nothing new is built before a backoff.
    reporter_.error(ErrorClass::kRetryable, payload.error().message());
    ledger_.give_back_newest(ranges.size());
    blocked_until_ = now + backoff_.next();
    host_.wake_at(blocked_until_);
    return false;
  }
  send(add_request(std::move(ranges), std::move(*payload)), now);
  return true;
}

bool DeliveryDriver::dispatch_planned(Clock::time_point now) {
  planner_->fill(ledger_, now);
  Clock::time_point due = Clock::time_point::max();
  auto planned = planner_->plan(next_id_ + 1, now, flushing_, due);
  if (!planned) {
    reporter_.error(ErrorClass::kRetryable, planned.error().message());
    blocked_until_ = now + backoff_.next();
    host_.wake_at(blocked_until_);
    return false;
  }
  if (!*planned) {
    if (due != Clock::time_point::max()) host_.wake_at(due);
    return false;
  }
  send(add_request(std::move((*planned)->lines), std::move((*planned)->payload)), now);
  return true;
}

void DeliveryDriver::send(Request& r, Clock::time_point now) {
  r.state = Request::State::kInFlight;
  r.sent_at = now;
  ++in_flight_;
  reporter_.requests_in_flight(in_flight_);
  host_.send(r.id, r.payload);
  if (!keep_payloads_) r.payload.body.reset();
}

DeliveryDriver::Request* DeliveryDriver::find(uint64_t id) {
  for (Request& r : requests_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

void DeliveryDriver::on_response(uint64_t id, const Verdict& verdict, Clock::time_point now) {
  if (stopped_) return;
  Request* r = find(id);
  if (r == nullptr || r->state != Request::State::kInFlight) return;
  --in_flight_;
  reporter_.requests_in_flight(in_flight_);
  if (retry_in_flight_ && retry_id_ == id) retry_in_flight_ = false;
  switch (verdict.kind) {
    case Verdict::Kind::kSuccessful:
      succeeded(*r, now);
      break;
    case Verdict::Kind::kRetry:
      if (planner_ != nullptr) {
        std::vector<uint32_t> all(r->lines);
        for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
        replan(*r, std::move(all), verdict, now);
      } else {
        failed(*r, verdict, now);
      }
      break;
    case Verdict::Kind::kRetryPartial:
      partly_failed(*r, verdict, now);
      break;
    case Verdict::Kind::kDontRetry:
      refused(*r, verdict, now);
      break;
  }
  settle(now);
  update_state(verdict);
  // A retried request went through: the destination is back, so send the next failed one now
  // rather than after another backoff.
  if (!retry_in_flight_ && waiting_ > 0 && !retry_armed_) send_next_waiting(now);
  pump(now);
}

void DeliveryDriver::succeeded(Request& r, Clock::time_point now) {
  reporter_.delivered(r.lines, r.payload.raw_bytes);
  finish(r, now);
  backoff_.reset();
  window_.on_success(std::chrono::duration_cast<std::chrono::microseconds>(now - r.sent_at));
}

void DeliveryDriver::failed(Request& r, const Verdict& v, Clock::time_point now) {
  reporter_.retrying(r.lines, v.error_class, v.message);
  r.state = Request::State::kWaiting;
  ++waiting_;
  window_.on_failure();
  schedule_retry(now + retry_delay(v));
}

// A configuration error needs an operator, not another attempt in 100 ms: retry at the cap.
std::chrono::milliseconds DeliveryDriver::retry_delay(const Verdict& v) {
  return v.retry_after                                 ? *v.retry_after
         : v.error_class == ErrorClass::kConfiguration ? backoff_.slow()
                                                       : backoff_.next();
}

// With a planner: the lines at `failed` go back to it, and nothing new goes out before the delay.
void DeliveryDriver::replan(Request& r, std::vector<uint32_t> failed, const Verdict& v,
                            Clock::time_point now) {
  if (v.throttled) {
    reporter_.retried(failed.size());
  } else {
    reporter_.retrying(failed.size(), v.error_class, v.message);
    window_.on_failure();
    std::chrono::milliseconds delay = retry_delay(v);
    if (delay.count() > 0) {
      blocked_until_ = std::max(blocked_until_, now + delay);
      host_.wake_at(blocked_until_);
    }
  }
  r.state = Request::State::kDone;
  planner_->settled(r.id, failed, now);
}

// The lines at v.failed are sent again, alone; the others are finished.
void DeliveryDriver::partly_failed(Request& r, const Verdict& v, Clock::time_point now) {
  std::vector<uint32_t> bad = v.failed;
  std::sort(bad.begin(), bad.end());
  bad.erase(std::unique(bad.begin(), bad.end()), bad.end());
  std::vector<LineRange> delivered, again;
  uint64_t delivered_bytes = 0;
  size_t delivered_lines = 0;
  uint32_t index = 0;
  auto next_bad = bad.begin();
  for (const LineRange& range : r.ranges) {
    const LineBatch& lines = ledger_.lines(range.lease);
    for (uint32_t i = range.first; i < range.first + range.count; ++i, ++index) {
      if (next_bad != bad.end() && *next_bad == index) {
        ++next_bad;
        append_line(again, range.lease, i);
      } else {
        append_line(delivered, range.lease, i);
        delivered_bytes += lines.line(i).size();
        ++delivered_lines;
      }
    }
  }
  if (again.empty()) {  // every index was out of range: nothing failed after all
    succeeded(r, now);
    return;
  }
  if (delivered_lines > 0) reporter_.delivered(delivered_lines, delivered_bytes);
  for (const LineRange& d : delivered) ledger_.finish(d);
  if (planner_ != nullptr) {
    if (delivered_lines > 0) backoff_.reset();
    replan(r, std::move(bad), v, now);
    return;
  }
  r.ranges = std::move(again);
  r.lines -= delivered_lines;
  r.payload = Payload{};  // rebuilt from the failed lines before it is sent again
  failed(r, v, now);
}

void DeliveryDriver::refused(Request& r, const Verdict& v, Clock::time_point now) {
  reporter_.dead_letter(ledger_, r.ranges, v.message);
  finish(r, now);
}

void DeliveryDriver::finish(Request& r, Clock::time_point now) {
  for (const LineRange& range : r.ranges) ledger_.finish(range);
  r.state = Request::State::kDone;
  if (planner_ != nullptr) planner_->settled(r.id, {}, now);
}

void DeliveryDriver::schedule_retry(Clock::time_point at) {
  if (retry_armed_ || retry_in_flight_) return;
  retry_armed_ = true;
  retry_at_ = at;
  host_.wake_at(at);
}

// Retries the oldest failed request, alone.
void DeliveryDriver::send_next_waiting(Clock::time_point now) {
  if (retry_in_flight_ || stopped_ || !ready_) return;
  for (Request& r : requests_) {
    if (r.state != Request::State::kWaiting) continue;
    if (!r.payload.body) {
      auto payload = build(r.ranges);
      if (!payload) {
        reporter_.error(ErrorClass::kRetryable, payload.error().message());
        schedule_retry(now + backoff_.next());
        return;
      }
      r.payload = std::move(*payload);
    }
    --waiting_;
    retry_in_flight_ = true;
    retry_id_ = r.id;  // with an ordered service, the newest resent: when it is done, all are
    send(r, now);
    if (!ordered_service_) return;
  }
}

void DeliveryDriver::settle(Clock::time_point now) {
  auto done = [this](const Request& r) {
    if (r.state != Request::State::kDone) return false;
    window_bytes_ -= r.bytes;
    return true;
  };
  if (planner_ != nullptr) {  // independent requests: no window to hold
    std::erase_if(requests_, done);
  }
  while (!requests_.empty() && done(requests_.front())) requests_.pop_front();
  ledger_.settle(now);
}

void DeliveryDriver::update_state(const Verdict& last) {
  if (!ready_) return;  // the sink's own state (verifying, fetching credentials) stands
  bool failing = planner_ != nullptr ? (last.kind == Verdict::Kind::kRetry ||
                                        last.kind == Verdict::Kind::kRetryPartial) &&
                                           !last.throttled
                                     : waiting_ > 0 || retry_in_flight_;
  if (failing) {
    bool config =
        last.kind != Verdict::Kind::kSuccessful && last.error_class == ErrorClass::kConfiguration;
    reporter_.set_state(config ? EndpointState::kError : EndpointState::kRetrying);
  } else {
    reporter_.set_state(EndpointState::kOk);
  }
}

void DeliveryDriver::fail_in_flight(const Verdict& verdict, Clock::time_point now) {
  if (stopped_) return;
  size_t lines = 0;
  for (Request& r : requests_) {
    if (r.state != Request::State::kInFlight) continue;
    r.state = Request::State::kWaiting;
    ++waiting_;
    lines += r.lines;
  }
  in_flight_ = 0;
  reporter_.requests_in_flight(0);
  retry_in_flight_ = false;
  reporter_.retrying(lines, verdict.error_class, verdict.message);
  if (waiting_ == 0) return;
  window_.on_failure();
  schedule_retry(now + retry_delay(verdict));
  update_state(verdict);
}

void DeliveryDriver::dead_letter(std::span<const LineRange> lines, std::string_view reason,
                                 Clock::time_point now) {
  reporter_.dead_letter(ledger_, lines, reason);
  for (const LineRange& range : lines) ledger_.finish(range);
  ledger_.settle(now);
}

void DeliveryDriver::expired(std::span<const LineRange> lines, Clock::time_point now) {
  size_t n = 0;
  for (const LineRange& range : lines) {
    n += range.count;
    ledger_.finish(range);
  }
  reporter_.expired(n);
  ledger_.settle(now);
}

void DeliveryDriver::stop() {
  if (stopped_) return;
  stopped_ = true;
  (void)batcher_.take();  // its leases are in the ledger, which gives them back
  requests_.clear();
  window_bytes_ = 0;
  ledger_.release_all();
  in_flight_ = 0;
  waiting_ = 0;
  reporter_.requests_in_flight(0);
  reporter_.set_state(EndpointState::kStopped);
}

}  // namespace sluice

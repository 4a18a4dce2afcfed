// The kinesis sink: shard map, per-shard lanes, rate shaping, PutRecords calls, partial retries.
//
// Lines and entries
// -----------------
// Lines are taken from the queue in leases, as every sink does, and each line becomes an entry
// that waits in the lane of one open shard. A lease is acknowledged, in take order, once every
// one of its entries is done: delivered, written to the dead letter, or expired (record_ttl).
// So the queue (and a disk queue's log) keeps every line until Kinesis has it, whatever order the
// shards take them in. The sink holds a bounded window of entries (about two seconds of the
// stream's write limit); the rest waits in the queue.
//
// Distribution
// ------------
// Without partition_key, each entry goes to the lane that has been given the fewest bytes so
// far, and is sent with an ExplicitHashKey in the middle of that shard's range: every open shard
// gets the same bytes, whatever the partition keys would have hashed to. With partition_key,
// an entry goes to the shard that the MD5 of its key selects, as Kinesis itself would route it,
// and a shard has at most one call in flight, so a key's lines are written in order.
//
// Rate and retries
// ----------------
// Each lane sends only what its ShardRate allows. A PutRecords answer is read entry by entry:
// delivered entries are done; throttled ones go back to the front of their lane (in their
// order) and slow that shard down; other failures go back too, after a backoff. Only failed
// entries are sent again, never a whole call, so partial failures make no duplicates.
//
// Shards change
// -------------
// The map is listed at start, every shard_refresh seconds, and at once when an entry lands on a
// shard the map did not predict or the stream is not found. When the open shards differ, the
// lanes are rebuilt: waiting entries are dealt out again in take order, so nothing waits on a
// closed shard. Entries in flight on a closed shard's range land on its children (Kinesis
// routes by hash key), which is the misprediction that triggers the refresh.
//
// Threading: all state lives on a strand of ctx.io, as in the https sink.
#include "sinks/kinesis/sink.h"
#include "queue/lease_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include <fmt/format.h>

#include <fmt/os.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include "core/log.h"

#include "aws/credential_provider.h"
#include "aws/instance_metadata.h"
#include "core/backoff.h"
#include "core/json_text.h"
#include "delivery/dead_letter.h"
#include "queue/line_key.h"
#include "sinks/http/http_client.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/kpl_aggregator.h"
#include "sinks/kinesis/request_builder.h"
#include "sinks/kinesis/retry_logic.h"
#include "sinks/kinesis/shard_map.h"
#include "sinks/kinesis/shard_rate.h"
#include "sinks/kinesis/shard_scheduler.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;
using std::chrono::milliseconds;

AwsCredentialSettings credential_settings(const KinesisSinkSettings& s,
                                          std::string_view service_id) {
  AwsCredentialSettings out;
  if (!s.access_key.empty()) {
    out.key_pair = AwsCredentials{s.access_key, s.secret_key, ""};
  } else {
    out.key_pair = environment_credentials();
  }
  out.imds_endpoint = imds_endpoint();
  out.assume_role.role_arn = s.iam_role;
  out.assume_role.session_name = role_session_name(service_id);
  out.assume_role.external_id = s.external_id;
  out.region = s.region;
  out.sts_url = s.sts_endpoint_url;
  out.sts_authority = s.parsed_sts_endpoint.authority();
  out.sts_path = s.parsed_sts_endpoint.target;
  out.sts_timeout = milliseconds(int64_t(s.timeout_seconds * 1000));
  return out;
}

ShardScheduler::Options scheduler_options(const KinesisSinkSettings& s) {
  ShardScheduler::Options o;
  o.keyed = !s.partition_key.empty();
  o.aggregate = s.aggregation == KinesisAggregation::kKpl;
  o.limits = ShardRate::Limits{s.shard_records_per_second, s.shard_bytes_per_second};
  o.max_records = s.request_max_entries;
  o.max_bytes = s.request_max_bytes;
  return o;
}

class KinesisSinkCore : public std::enable_shared_from_this<KinesisSinkCore>,
                        public ShardScheduler::CallWriter {
 public:
  KinesisSinkCore(SinkContext& ctx, const KinesisSinkSettings& settings,
                  const KinesisSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        settings_(settings),
        options_(options),
        strand_(asio::make_strand(ctx.io)),
        builder_(settings),
        backoff_(options.initial_backoff, cap(), seed()),
        control_backoff_(options.initial_backoff, cap(), seed() + 1),
        wake_timer_(strand_),
        tick_timer_(strand_),
        dead_letter_(ctx.endpoint.service_id, ctx.endpoint.name()),
        keyed_(!settings.partition_key.empty()),
        kpl_(settings.aggregation == KinesisAggregation::kKpl),
        creds_(credential_settings(settings, ctx.endpoint.service_id),
               Backoff(options.initial_backoff, cap(), seed() + 2)),
        scheduler_(scheduler_options(settings)) {
    // The partition key of records spread by ExplicitHashKey: it decides nothing, but consumers
    // see it, so it names the endpoint.
    even_key_ = endpoint_.name().substr(0, kMaxLineKeyBytes);
    if (even_key_.empty()) even_key_ = "-";
    what_ = fmt::format("Kinesis stream {} at {}", settings.topic, settings.endpoint_url);
    double window_bytes = 2.0 * settings.shard_bytes_per_second;
    window_bytes_per_shard_ =
        uint64_t(std::max(window_bytes, 2.0 * double(settings.max_record_bytes)));
    // Kinesis counts a shard's bytes per one-second window. An aggregate that is a large share
    // of a second's bytes makes sending coarse: ten 100 KB aggregates a second fill a 1 MB/s
    // window exactly, and any jitter puts an eleventh in it, refused. A fortieth of a second's
    // bytes (25 KB at 1 MB/s) keeps the steps small; the record limit (1000/s) is far away.
    max_aggregate_bytes_ = std::min<uint64_t>(
        settings.max_record_bytes,
        std::max<uint64_t>(8 * 1024, uint64_t(settings.shard_bytes_per_second / 40)));
  }

  void start() {
    HttpClientSettings hs;
    hs.max_connections = settings_.concurrency + 1;
    auto client = HttpClient::start(hs);
    if (!client) {
      endpoint_.status.set_state(EndpointState::kError);
      endpoint_.status.record_error(ErrorClass::kConfiguration, client.error().message());
      return;
    }
    client_ = std::move(*client);
    pump_when_lines_arrive(*endpoint_.queue, weak_from_this(), strand_,
                           &KinesisSinkCore::wake_posted_, &KinesisSinkCore::pump);
    asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      if (!self->creds_.ready()) {
        self->state_.set(self->creds_.from_instance() ? EndpointState::kFetchingCredentials
                                                      : EndpointState::kAssumingRole);
      }
      self->drive_credentials();
      self->list_shards();
      self->tick();
    });
  }

  void flush() {
    asio::post(strand_, [self = shared_from_this()] {
      self->flushing_ = true;
      self->pump();
    });
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    wake_timer_.cancel();
    tick_timer_.cancel();
    if (client_) client_->stop();
    // Newest first, so the oldest lines end up first in the queue again. Of a lease, the
    // delivered prefix is acknowledged; the rest goes back (delivered lines after an undelivered
    // one are sent again after a restart: at least once).
    while (!taken_.empty()) {
      Taken& t = taken_.back();
      size_t prefix = 0;
      while (prefix < t.done.size() && t.done[prefix]) ++prefix;
      endpoint_.queue->ack(t.lease, prefix);
      taken_.pop_back();
    }
    endpoint_.counters.requests_in_flight.store(0, std::memory_order_relaxed);
    state_.set(EndpointState::kStopped);
  }

 private:
  struct Taken {
    Lease lease;
    std::vector<uint8_t> done;  // by line
    size_t outstanding = 0;
    Clock::time_point at;
  };

  struct Entry {
    uint64_t taken = 0;  // absolute index of its lease in taken_
    uint32_t line = 0;
    uint32_t bytes = 0;  // data + partition key: what Kinesis counts
    // Where the line starts in its queue entry: after its key and the separator, or 0 for an
    // entry without a key. Found once, at take time, rather than by a scan on every use.
    uint16_t line_offset = 0;
  };

  using Call = ShardScheduler::Call;

  [[nodiscard]] milliseconds cap() const {
    return milliseconds(int64_t(settings_.max_backoff_seconds * 1000));
  }
  [[nodiscard]] uint64_t seed() const {
    return options_.jitter_seed ? options_.jitter_seed : std::random_device{}();
  }

  // ---- entries and leases -------------------------------------------------------------------

  [[nodiscard]] KeyedLine text(const Entry& e) const {
    std::string_view entry = taken_[e.taken - taken_base_].lease.lines.line(e.line);
    if (e.line_offset == 0) return {{}, entry};
    return {entry.substr(0, e.line_offset - 1u), entry.substr(e.line_offset)};
  }
  [[nodiscard]] std::string_view partition_key(const KeyedLine& k) const {
    if (!keyed_) return even_key_;
    return k.key.empty() ? std::string_view("-") : k.key;
  }

  uint32_t new_entry() {
    if (!free_.empty()) {
      uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    entries_.emplace_back();
    return uint32_t(entries_.size() - 1);
  }

  // The entry is finished with (delivered, dead-lettered or expired).
  void finish(uint32_t id) {
    Entry& e = entries_[id];
    Taken& t = taken_[e.taken - taken_base_];
    t.done[e.line] = 1;
    --t.outstanding;
    --held_entries_;
    held_bytes_ -= e.bytes;
    e = Entry{};
    free_.push_back(id);
  }

  [[nodiscard]] uint64_t window_bytes() const {
    return std::max<uint64_t>(scheduler_.lanes().size(), 1) * window_bytes_per_shard_;
  }

  // Takes lines from the queue while the held window has room.
  void take_lines() {
    if (scheduler_.lanes().empty()) return;
    const uint64_t window = window_bytes();
    const size_t max_entries = 50000 * scheduler_.lanes().size();
    while (held_bytes_ < window && held_entries_ < max_entries) {
      Lease lease = leases_.take();
      if (!endpoint_.queue->take(2000, window - held_bytes_, lease)) {
        leases_.give(std::move(lease));
        return;
      }
      auto now = Clock::now();
      uint64_t index = taken_base_ + taken_.size();
      taken_.push_back(Taken{std::move(lease), {}, 0, now});
      Taken& t = taken_.back();
      size_t n = t.lease.lines.size();
      t.done.assign(n, 0);
      t.outstanding = n;
      for (size_t i = 0; i < n; ++i) {
        uint32_t id = new_entry();
        Entry& e = entries_[id];
        e.taken = index;
        e.line = uint32_t(i);
        std::string_view entry = t.lease.lines.line(i);
        KeyedLine k = split_line_key(entry);
        // Keys are cut to kMaxLineKeyBytes when queued, so the offset fits.
        e.line_offset = uint16_t(k.line.data() - entry.data());
        e.bytes = uint32_t(k.line.size() + partition_key(k).size());
        ++held_entries_;
        held_bytes_ += e.bytes;
        size_t record_size = kpl_ ? KplAggregator::single_size(partition_key(k), k.line) : e.bytes;
        if (record_size > settings_.max_record_bytes) {
          dead_letter_entries(
              {id}, fmt::format("a line of {} bytes is larger than max_record_bytes ({}) as a "
                                "Kinesis record",
                                k.line.size(), settings_.max_record_bytes));
          continue;
        }
        scheduler_.add(id, e.bytes, keyed_ ? partition_key_hash(partition_key(k)) : HashKey(0),
                       next_order_++, now);
      }
      settle();
    }
  }

  // Acknowledges, in take order, every lease whose entries are all done.
  void settle() {
    while (!taken_.empty() && taken_.front().outstanding == 0) {
      Taken& t = taken_.front();
      endpoint_.counters.observe_batch_latency(Clock::now() - t.at);
      endpoint_.queue->ack(t.lease);
      leases_.give(std::move(t.lease));
      taken_.pop_front();
      ++taken_base_;
    }
  }

  void dead_letter_entries(const std::vector<uint32_t>& ids, const std::string& reason) {
    std::string_view where = "stderr";
    if (endpoint_.queue->durable()) {
      for (uint32_t id : ids) {
        const Entry& e = entries_[id];
        endpoint_.queue->dead_letter(taken_[e.taken - taken_base_].lease, e.line, 1);
      }
      where = "the disk queue's dead-letter segments";
    } else {
      LineBatch lines;
      for (uint32_t id : ids) {
        const Entry& e = entries_[id];
        lines.add(taken_[e.taken - taken_base_].lease.lines.line(e.line));
      }
      const LineBatch* batches[] = {&lines};
      dead_letter_.write(batches, reason);
    }
    auto& c = endpoint_.counters;
    c.errors[size_t(ErrorClass::kPermanent)].fetch_add(1, std::memory_order_relaxed);
    c.dropped[size_t(DropReason::kPermanentError)].fetch_add(ids.size(), std::memory_order_relaxed);
    endpoint_.status.record_error(ErrorClass::kPermanent,
                                  fmt::format("{}: {}; {} line(s) written to the dead letter ({})",
                                              what_, reason, ids.size(), where));
    for (uint32_t id : ids) finish(id);
  }

  // Entries of a failed record go back to the front of their lanes, in their order, unless they
  // are older than record_ttl.
  void give_back(const std::vector<uint32_t>& ids, Clock::time_point now) {
    endpoint_.counters.retried.fetch_add(ids.size(), std::memory_order_relaxed);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      if (expired(*it, now)) {
        expire(*it);
        continue;
      }
      scheduler_.put_back(*it);
    }
  }

  // Of an entry in the scheduler (its take time is kept there).
  [[nodiscard]] bool expired(uint32_t id, Clock::time_point now) const {
    return settings_.record_ttl_seconds > 0 &&
           now - scheduler_.taken_at(id) >
               std::chrono::duration<double>(settings_.record_ttl_seconds);
  }

  void expire(uint32_t id) {
    endpoint_.counters.dropped[size_t(DropReason::kExpired)].fetch_add(1,
                                                                       std::memory_order_relaxed);
    ++expired_since_report_;
    finish(id);
  }

  // ---- sending ------------------------------------------------------------------------------

  [[nodiscard]] bool ready() const {
    return !stopped_ && creds_.ready() && !scheduler_.lanes().empty() && client_ != nullptr;
  }

  void pump() {
    if (!ready()) return;
    take_lines();
    auto now = Clock::now();
    if (now < blocked_until_) {
      arm_wake(blocked_until_);
      return;
    }
    while (in_flight_ < settings_.concurrency) {
      auto oldest = scheduler_.oldest_waiting();
      if (!oldest) return;
      auto due = *oldest + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(settings_.period_seconds));
      bool full = scheduler_.waiting() >= settings_.request_max_entries;
      if (!flushing_ && !full && now < due) {
        arm_wake(due);
        return;
      }
      Clock::time_point retry_at = Clock::time_point::max();
      body_.clear();
      builder_.begin_put_records(body_);
      Call call = scheduler_.plan_call(now, flushing_, *this, retry_at);
      builder_.finish_put_records(body_);
      if (call.records.empty()) {
        if (retry_at != Clock::time_point::max()) arm_wake(retry_at);
        return;
      }
      send(std::move(call));
      take_lines();
    }
  }

  // ShardScheduler::CallWriter: packs as many of a lane's first entries as one aggregated record
  // holds into aggregator_; returns its size. write_record() finishes that aggregate if the
  // lane's rate lets it go.
  size_t plan_aggregate(const std::deque<uint32_t>& pending, size_t& take) override {
    aggregator_.clear();
    take = 0;
    for (uint32_t id : pending) {
      const Entry& e = entries_[id];
      if (scheduler_.isolated(id)) break;
      KeyedLine k = text(e);
      std::string_view key = partition_key(k);
      if (take > 0 && !aggregator_.fits(key, k.line, max_aggregate_bytes_)) break;
      aggregator_.add(key, k.line);
      ++take;
    }
    return aggregator_.size() + aggregator_.first_partition_key().size();
  }

  // Adds one Kinesis record holding `ids` to body_: the aggregate plan_aggregate() just packed
  // for them, or their one line.
  void write_record(uint32_t lane_index, std::span<const uint32_t> ids, bool aggregated) override {
    const ShardScheduler::Lane& lane = scheduler_.lanes()[lane_index];
    if (aggregated) {
      std::string outer_key = aggregator_.first_partition_key();
      blob_.clear();
      aggregator_.finish(blob_);
      builder_.add_record(body_, blob_, outer_key, lane.hash_key);
    } else {
      KeyedLine k = text(entries_[ids.front()]);
      builder_.add_record(body_, k.line, partition_key(k), keyed_ ? "" : lane.hash_key);
    }
  }

  void send(Call call) {
    // The body moves into the request (shared with the client thread while in flight).
    auto body = std::make_shared<std::string>(std::move(body_));
    body_ = std::string();
    auto req = builder_.request("PutRecords", body, creds_.credentials(), SystemClock::now());
    if (!req) {
      // Signing failed: OpenSSL could not allocate. Put everything back and try later.
      endpoint_.status.record_error(ErrorClass::kRetryable, req.error().message());
      return_call(call, Clock::now());
      block(backoff_.next());
      return;
    }
    uint64_t id = ++next_call_;
    ++in_flight_;
    endpoint_.counters.requests_in_flight.store(in_flight_, std::memory_order_relaxed);
    calls_.emplace(id, std::move(call));
    client_->send(std::move(*req), [weak = weak_from_this(), id](HttpClientResponse resp) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->strand_, [self, id, resp = std::move(resp)]() mutable {
        if (!self->stopped_) self->on_put_records(id, resp);
      });
    });
  }

  void return_call(const Call& call, Clock::time_point now) {
    scheduler_.release(call);
    for (auto it = call.records.rbegin(); it != call.records.rend(); ++it) give_back(*it, now);
  }

  void on_put_records(uint64_t id, const HttpClientResponse& resp) {
    auto node = calls_.extract(id);
    if (node.empty()) return;
    Call& call = node.mapped();
    --in_flight_;
    endpoint_.counters.requests_in_flight.store(in_flight_, std::memory_order_relaxed);
    auto now = Clock::now();

    KinesisVerdict v =
        classify_kinesis_call(resp.outcome, "PutRecords to " + what_, call.records.size());
    if (v.action == KinesisVerdict::Action::kSuccess) {
      auto parsed = parse_put_records(resp.outcome.body, call.records.size());
      if (!parsed) {
        v.action = KinesisVerdict::Action::kRetry;
        v.error_class = ErrorClass::kRetryable;
        v.message = fmt::format("PutRecords to {}: {}", what_, parsed.error().message());
      } else {
        on_entries(call, *parsed, now);
        return after_response();
      }
    }
    auto& c = endpoint_.counters;
    c.errors[size_t(v.error_class)].fetch_add(1, std::memory_order_relaxed);
    switch (v.action) {
      case KinesisVerdict::Action::kSuccess:
        break;
      case KinesisVerdict::Action::kRetry:
        endpoint_.status.record_error(v.error_class, v.message);
        return_call(call, now);
        block(backoff_.next());
        state_.set(EndpointState::kRetrying);
        break;
      case KinesisVerdict::Action::kRetrySlowly:
        endpoint_.status.record_error(v.error_class, v.message);
        return_call(call, now);
        block(backoff_.slow());
        state_.set(EndpointState::kError);
        if (v.refresh_shards) request_shard_refresh();
        if (v.refresh_credentials) refresh_credentials();
        break;
      case KinesisVerdict::Action::kIsolate:
        endpoint_.status.record_error(
            v.error_class,
            v.message + "; its records are sent one per call to find the one at fault");
        for (const auto& ids : call.records) {
          for (uint32_t e : ids) scheduler_.isolate(e);
        }
        return_call(call, now);
        break;
      case KinesisVerdict::Action::kDeadLetter: {
        scheduler_.release(call);
        std::vector<uint32_t> ids;
        for (const auto& r : call.records) ids.insert(ids.end(), r.begin(), r.end());
        dead_letter_entries(ids, v.message);
        break;
      }
    }
    after_response();
  }

  void on_entries(Call& call, const PutRecordsResult& result, Clock::time_point now) {
    scheduler_.release(call);
    auto& c = endpoint_.counters;
    // The shards' rates learn from the answer first, while every entry still has its bytes.
    outcomes_.assign(call.records.size(), {});
    for (size_t i = 0; i < call.records.size(); ++i) {
      const PutRecordsEntryResult& r = result.entries[i];
      ShardScheduler::RecordOutcome& o = outcomes_[i];
      o.ok = r.ok;
      if (r.ok) {
        o.shard_id = r.shard_id;
        for (uint32_t id : call.records[i]) o.bytes += entries_[id].bytes;
      } else {
        o.throttled = classify_record_error(r.error_code) == KinesisEntryAction::kThrottled;
      }
    }
    bool mispredicted = scheduler_.on_answer(call, outcomes_, now);
    size_t throttled = 0, failed = 0, slow = 0;
    std::string first_error;
    size_t delivered_lines = 0, delivered_bytes = 0;
    // Failed records go back to the front of their lanes: walk backwards so each lane keeps
    // their order.
    for (size_t i = call.records.size(); i-- > 0;) {
      const PutRecordsEntryResult& r = result.entries[i];
      std::vector<uint32_t>& ids = call.records[i];
      if (r.ok) {
        delivered_bytes += outcomes_[i].bytes;
        for (uint32_t id : ids) finish(id);
        delivered_lines += ids.size();
        continue;
      }
      if (first_error.empty()) first_error = r.error_code + ": " + r.error_message;
      switch (classify_record_error(r.error_code)) {
        case KinesisEntryAction::kThrottled:
          ++throttled;
          break;
        case KinesisEntryAction::kRetry:
          ++failed;
          break;
        case KinesisEntryAction::kRetrySlowly:
          ++slow;
          break;
      }
      give_back(ids, now);
    }
    c.delivered.fetch_add(delivered_lines, std::memory_order_relaxed);
    c.delivered_bytes.fetch_add(delivered_bytes, std::memory_order_relaxed);
    if (throttled > 0) c.throttled.fetch_add(throttled, std::memory_order_relaxed);
    if (delivered_lines > 0) endpoint_.status.record_success();
    if (throttled + failed + slow == 0) {
      backoff_.reset();
      state_.set(EndpointState::kOk);
    } else {
      ErrorClass cls = slow > 0 ? ErrorClass::kConfiguration : ErrorClass::kRetryable;
      c.errors[size_t(cls)].fetch_add(1, std::memory_order_relaxed);
      // Throttling is expected under load and is shaped away; it shows in the throttle counts of
      // /status rather than as one error per call.
      if (failed + slow > 0) {
        endpoint_.status.record_error(
            cls, fmt::format("PutRecords to {}: {} of {} records failed ({} throttled); first: {}",
                             what_, throttled + failed + slow, call.records.size(), throttled,
                             first_error));
      }
      if (slow > 0) {
        block(backoff_.slow());
        state_.set(EndpointState::kError);
      } else if (failed > 0) {
        block(backoff_.next());
        state_.set(EndpointState::kRetrying);
      } else {
        state_.set(EndpointState::kOk);
      }
    }
    if (mispredicted) request_shard_refresh();
  }

  void after_response() {
    settle();
    pump();
  }

  void block(milliseconds delay) {
    blocked_until_ = std::max(blocked_until_, Clock::now() + delay);
    arm_wake(blocked_until_);
  }

  // One timer wakes the sender for the linger period, a shard's rate and backoffs: it is set to
  // the earliest of them.
  void arm_wake(Clock::time_point at) {
    if (wake_armed_ && wake_at_ <= at) return;
    wake_armed_ = true;
    wake_at_ = at;
    uint64_t gen = ++wake_generation_;
    wake_timer_.expires_at(at);
    wake_timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || self->stopped_ || gen != self->wake_generation_) return;
      self->wake_armed_ = false;
      self->pump();
    });
  }

  // ---- the shard map ------------------------------------------------------------------------

  void request_shard_refresh() {
    auto now = Clock::now();
    // At most one listing a second: a reshard mispredicts many records at once.
    next_listing_ = std::min(next_listing_, std::max(now, last_listing_ + std::chrono::seconds(1)));
    if (next_listing_ <= now) {
      list_shards();
    } else {
      arm_tick_at(next_listing_);
    }
  }

  void list_shards() {
    if (listing_ || stopped_ || !creds_.ready() || !client_) {
      if (!creds_.ready()) next_listing_ = Clock::now();
      return;
    }
    listing_ = true;
    last_listing_ = Clock::now();
    next_listing_ = Clock::time_point::max();
    listed_.clear();
    list_page("");
  }

  void list_page(const std::string& token) {
    auto body = std::make_shared<std::string>(builder_.list_shards_body(token));
    auto req = builder_.request("ListShards", body, creds_.credentials(), SystemClock::now());
    if (!req) return listing_failed(req.error().message(), ErrorClass::kRetryable);
    client_->send(std::move(*req), [weak = weak_from_this()](HttpClientResponse resp) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->strand_, [self, resp = std::move(resp)]() mutable {
        if (!self->stopped_) self->on_list_page(resp);
      });
    });
  }

  void on_list_page(const HttpClientResponse& resp) {
    KinesisVerdict v = classify_kinesis_call(resp.outcome, "ListShards of " + what_, 0);
    if (v.action != KinesisVerdict::Action::kSuccess) {
      if (v.refresh_credentials) refresh_credentials();
      return listing_failed(v.message, v.error_class);
    }
    auto page = parse_list_shards(resp.outcome.body);
    if (!page) return listing_failed(page.error().message(), ErrorClass::kRetryable);
    for (ShardInfo& s : page->shards) listed_.push_back(std::move(s));
    if (!page->next_token.empty()) return list_page(page->next_token);
    listing_ = false;
    auto map = ShardMap::build(std::move(listed_));
    listed_.clear();
    if (!map) {
      // Mid-reshard listings can show a gap for a moment: keep the old map, look again soon.
      return listing_failed(fmt::format("ListShards of {}: {}", what_, map.error().message()),
                            ErrorClass::kRetryable);
    }
    map_listed_at_ = Clock::now();
    control_backoff_.reset();
    next_listing_ =
        map_listed_at_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(settings_.shard_refresh_seconds));
    if (scheduler_.lanes().empty() || !map->same_open_shards(scheduler_.map())) {
      apply_map(std::move(*map));
    }
    if (state_.get() == EndpointState::kListingShards || state_.get() == EndpointState::kStarting) {
      state_.set(EndpointState::kOk);
    }
    pump();
  }

  void listing_failed(const std::string& message, ErrorClass cls) {
    listing_ = false;
    listed_.clear();
    endpoint_.counters.errors[size_t(cls)].fetch_add(1, std::memory_order_relaxed);
    endpoint_.status.record_error(
        cls, message + (scheduler_.lanes().empty() ? "; nothing is sent until the "
                                                     "stream's shards are known"
                                                   : ""));
    if (scheduler_.lanes().empty())
      state_.set(cls == ErrorClass::kConfiguration ? EndpointState::kError
                                                   : EndpointState::kListingShards);
    auto delay =
        cls == ErrorClass::kConfiguration ? control_backoff_.slow() : control_backoff_.next();
    next_listing_ = Clock::now() + std::max(delay, milliseconds(200));
    arm_tick_at(next_listing_);
  }

  // New lanes for the open shards (ShardScheduler::apply_map).
  void apply_map(ShardMap map) {
    size_t dealt = scheduler_.apply_map(std::move(map), Clock::now());
    const ShardMap& m = scheduler_.map();
    // Not an error: a note in sluice's log, so an operator can line a reshard up with the rates.
    log_info(
        "service \"{}\" endpoint \"{}\": {}: {} open shard(s), {} closed; {} "
        "waiting line(s) dealt out again",
        endpoint_.service_id, endpoint_.name(), what_, m.open().size(), m.closed_count(), dealt);
  }

  // Sends the credential provider's next call, if one is due.
  void drive_credentials() {
    if (stopped_ || !client_) return;
    AwsCredentialProvider::Event event;
    auto call = creds_.next_call(SystemClock::now(), event);
    on_credential_event(event);
    if (!call) {
      auto due = creds_.next_due();
      if (due != SystemClock::time_point::max()) {
        arm_tick_at(Clock::now() +
                    std::max(Clock::duration(0), std::chrono::duration_cast<Clock::duration>(
                                                     due - SystemClock::now())));
      }
      return;
    }
    HttpClientRequest req;
    req.method = std::move(call->method);
    req.url = std::move(call->url);
    req.headers = std::move(call->headers);
    req.body = std::make_shared<std::string>(std::move(call->body));
    req.timeout = call->timeout;
    req.max_response_body = 64 * 1024;
    client_->send(std::move(req), [weak = weak_from_this()](HttpClientResponse resp) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->strand_, [self, resp = std::move(resp)]() mutable {
        if (self->stopped_) return;
        const HttpOutcome& o = resp.outcome;
        AwsHttpAnswer answer{o.transport_ok, o.transport_error, o.status, o.body};
        self->on_credential_event(self->creds_.on_answer(answer, SystemClock::now()));
        self->drive_credentials();  // the next step of a chain (instance metadata)
        self->pump();
      });
    });
  }

  void on_credential_event(const AwsCredentialProvider::Event& event) {
    if (event.error_class) {
      endpoint_.counters.errors[size_t(*event.error_class)].fetch_add(1, std::memory_order_relaxed);
      endpoint_.status.record_error(*event.error_class, event.error);
      if (!creds_.ready()) state_.set(EndpointState::kError);
    }
    if (event.became_ready) {
      if (state_.get() == EndpointState::kAssumingRole ||
          state_.get() == EndpointState::kFetchingCredentials) {
        state_.set(EndpointState::kListingShards);
      }
      if (scheduler_.lanes().empty()) list_shards();
    }
  }

  void refresh_credentials() {
    creds_.refresh(SystemClock::now());
    drive_credentials();
  }

  // ---- the tick: status, expiry, refreshes --------------------------------------------------

  void arm_tick_at(Clock::time_point at) {
    if (at < tick_at_) {
      tick_at_ = at;
      schedule_tick();
    }
  }

  void schedule_tick() {
    uint64_t gen = ++tick_generation_;
    tick_timer_.expires_at(tick_at_);
    tick_timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || self->stopped_ || gen != self->tick_generation_) return;
      self->tick();
    });
  }

  void tick() {
    auto now = Clock::now();
    if (SystemClock::now() >= creds_.next_due()) drive_credentials();
    if (now >= next_listing_) list_shards();
    if (settings_.record_ttl_seconds > 0) expire_waiting(now);
    report(now);
    settle();
    pump();
    tick_at_ = now + std::chrono::seconds(1);
    if (next_listing_ < tick_at_) tick_at_ = std::max(next_listing_, now + milliseconds(10));
    schedule_tick();
  }

  void expire_waiting(Clock::time_point now) {
    for (uint32_t id : scheduler_.take_waiting_if([&](uint32_t id) { return expired(id, now); })) {
      expire(id);
    }
    if (expired_since_report_ > 0) {
      endpoint_.status.record_error(
          ErrorClass::kRetryable,
          fmt::format("{}: {} line(s) dropped after waiting longer than record_ttl ({} s)", what_,
                      expired_since_report_, settings_.record_ttl_seconds));
      expired_since_report_ = 0;
    }
  }

  // /status "detail": the shard map and each shard's rate, over the last tick.
  void report(Clock::time_point now) {
    double dt = std::chrono::duration<double>(now - last_report_).count();
    last_report_ = now;
    std::string out = "{\"stream\":";
    append_json_string(out, settings_.topic);
    out += fmt::format(",\"aggregation\":\"{}\",\"distribution\":\"{}\"", kpl_ ? "kpl" : "none",
                       keyed_ ? "partition_key" : "even");
    if (scheduler_.lanes().empty()) {
      out += ",\"shard_map_age_seconds\":null";
    } else {
      out += fmt::format(",\"shard_map_age_seconds\":{:.1f}",
                         std::chrono::duration<double>(now - map_listed_at_).count());
    }
    out += fmt::format(",\"open_shards\":{},\"closed_shards\":{}", scheduler_.lanes().size(),
                       scheduler_.map().closed_count());
    if (creds_.assumes_role() || creds_.from_instance()) {
      out += ",\"credentials\":{\"source\":";
      out += creds_.assumes_role() ? "\"assumed_role\"" : "\"instance_role\"";
      out += ",\"role\":";
      append_json_string(out, creds_.role());
      out += ",\"access_key_id\":";
      append_json_string(out, creds_.credentials().access_key_id);
      out += fmt::format(
          ",\"refreshes\":{},\"expires_in_seconds\":{:.0f}}}", creds_.refreshes(),
          creds_.ready()
              ? std::chrono::duration<double>(creds_.expires_at() - SystemClock::now()).count()
              : 0.0);
    }
    out += ",\"shards\":[";
    auto& lanes = scheduler_.lanes();
    for (size_t i = 0; i < lanes.size(); ++i) {
      ShardScheduler::Lane& l = lanes[i];
      if (dt > 0) {
        l.records_per_second = double(l.delivered_records - l.reported_records) / dt;
        l.lines_per_second = double(l.delivered_lines - l.reported_lines) / dt;
        l.bytes_per_second = double(l.delivered_bytes - l.reported_bytes) / dt;
      }
      l.reported_records = l.delivered_records;
      l.reported_lines = l.delivered_lines;
      l.reported_bytes = l.delivered_bytes;
      out += i == 0 ? "" : ",";
      out += "{\"id\":";
      append_json_string(out, l.shard.id);
      out += fmt::format(
          ",\"records_per_second\":{:.1f},\"lines_per_second\":{:.1f},\"bytes_per_second\":{:.0f},"
          "\"throttled\":{},\"rate_factor\":{:.3f},\"waiting\":{},\"delivered_lines\":{}}}",
          l.records_per_second, l.lines_per_second, l.bytes_per_second, l.rate.throttled(),
          l.rate.factor(), l.pending.size(), l.delivered_lines);
    }
    out += "]}";
    endpoint_.status.set_detail(std::move(out));
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;  // keeps settings_ alive
  const KinesisSinkSettings& settings_;  // owned by the engine's Config, which outlives sinks
  KinesisSinkOptions options_;
  asio::strand<asio::io_context::executor_type> strand_;
  KinesisRequestBuilder builder_;
  Backoff backoff_;          // PutRecords failures
  Backoff control_backoff_;  // ListShards failures
  asio::steady_timer wake_timer_;
  asio::steady_timer tick_timer_;
  DeadLetter dead_letter_;
  std::string what_;
  std::string even_key_;
  bool keyed_;
  bool kpl_;
  uint64_t window_bytes_per_shard_ = 0;
  uint64_t max_aggregate_bytes_ = 0;

  std::unique_ptr<HttpClient> client_;
  std::atomic<bool> wake_posted_{false};
  bool stopped_ = false;
  bool flushing_ = false;
  SinkState state_{endpoint_.status};

  AwsCredentialProvider creds_;

  // The shard map.
  ShardScheduler scheduler_;
  bool listing_ = false;
  std::vector<ShardInfo> listed_;  // pages of the listing under way
  Clock::time_point map_listed_at_;
  Clock::time_point last_listing_;
  Clock::time_point next_listing_ = Clock::time_point::max();

  // Entries and leases.
  std::deque<Taken> taken_;
  uint64_t taken_base_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  size_t held_entries_ = 0;
  uint64_t held_bytes_ = 0;
  uint64_t next_order_ = 0;
  uint64_t expired_since_report_ = 0;
  LeasePool leases_{16};

  // Calls.
  std::map<uint64_t, Call> calls_;
  uint64_t next_call_ = 0;
  uint32_t in_flight_ = 0;
  Clock::time_point blocked_until_;
  std::string body_;
  std::string blob_;
  KplAggregator aggregator_;
  std::vector<ShardScheduler::RecordOutcome> outcomes_;  // of the answer read

  // Timers.
  bool wake_armed_ = false;
  Clock::time_point wake_at_;
  uint64_t wake_generation_ = 0;
  Clock::time_point tick_at_ = Clock::time_point::max();
  uint64_t tick_generation_ = 0;
  Clock::time_point last_report_ = Clock::now();
};

}  // namespace

std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx) {
  return make_kinesis_sink(ctx, KinesisSinkOptions{});
}

std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx, const KinesisSinkOptions& options) {
  return make_shared_core_sink<KinesisSinkCore, KinesisSinkSettings>(ctx, options);
}

}  // namespace sluice

// The kinesis sink: the delivery driver, with the shard scheduler as its request planner, behind
// credentials and the stream's shard map.
//
// Lines and entries. The driver takes lines from the queue into its lease ledger while the
// planner has room (about two seconds of the stream's write limit); each line becomes an entry
// that waits in the lane of one open shard (ShardScheduler). A line is acknowledged in take
// order once it is delivered, written to the dead letter, or expired (record_ttl), whatever
// order the shards take them in, so the queue (and a disk queue's log) keeps every line until
// Kinesis has it.
//
// Distribution. Without partition_key, each entry goes to the lane given the fewest bytes so far
// and is sent with an ExplicitHashKey in the middle of that shard's range: every open shard gets
// the same bytes. With partition_key, an entry goes to the shard the MD5 of its key selects, as
// Kinesis would route it, and a shard has one call in flight, so a key's lines keep their order.
//
// Rate and retries. Each lane sends only what its ShardRate allows. A PutRecords answer is read
// record by record (retry_logic): delivered lines are finished; throttled ones go back to the
// front of their lane and slow that shard down, with no error and no backoff; other failures go
// back too, and the driver holds new calls for a backoff. Only failed records are sent again,
// never a whole call, so partial failures make no duplicates.
//
// Shards change. The map is listed at start, every shard_refresh seconds, and at once when an
// entry lands on a shard the map did not predict or the stream is not found. When the open
// shards differ, the lanes are rebuilt and waiting entries dealt out again in take order.
//
// Threading: all state lives on a strand of ctx.io, as in the https sink.
#include "sinks/kinesis/sink.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "aws/credential_provider.h"
#include "core/backoff.h"
#include "core/log.h"
#include "delivery/delivery_driver.h"
#include "delivery/delivery_reporter.h"
#include "delivery/request_planner.h"
#include "delivery/wake_timer.h"
#include "queue/line_key.h"
#include "sinks/http/answer_on_strand.h"
#include "sinks/http/http_client.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/kpl_aggregator.h"
#include "sinks/kinesis/part_settings.h"
#include "sinks/kinesis/request_builder.h"
#include "sinks/kinesis/retry_logic.h"
#include "sinks/kinesis/shard_listing.h"
#include "sinks/kinesis/shard_map.h"
#include "sinks/kinesis/shard_rate.h"
#include "sinks/kinesis/shard_scheduler.h"
#include "sinks/kinesis/status_detail.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;
using std::chrono::milliseconds;

class KinesisSinkCore : public std::enable_shared_from_this<KinesisSinkCore>,
                        public DeliveryHost,
                        public RequestPlanner,
                        public ShardScheduler::CallWriter {
 public:
  KinesisSinkCore(SinkContext& ctx, const KinesisSinkSettings& settings,
                  const KinesisSinkOptions& options)
      : endpoint_(ctx.endpoint),
        config_(ctx.config),
        destinations_(ctx.destinations),
        settings_(settings),
        strand_(asio::make_strand(ctx.io)),
        builder_(settings),
        wake_(strand_),
        tick_timer_(strand_),
        keyed_(!settings.partition_key.empty()),
        kpl_(settings.aggregation == KinesisAggregation::kKpl),
        creds_(kinesis_credential_settings(settings, ctx.endpoint.service_id),
               Backoff(options.initial_backoff, cap(), seed(options) + 2)),
        scheduler_(kinesis_scheduler_options(settings)),
        listing_(std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(settings.shard_refresh_seconds)),
                 Backoff(options.initial_backoff, cap(), seed(options) + 1)),
        reporter_(ctx.endpoint),
        driver_(*ctx.endpoint.queue, reporter_, *this, kinesis_driver_settings(settings, options),
                this) {
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
    linger_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(settings.period_seconds));
  }

  void start() {
    HttpClientSettings hs;
    hs.max_connections = settings_.concurrency + 1;
    hs.destinations = destinations_;
    auto client = HttpClient::start(hs);
    if (!client) {
      reporter_.set_state(EndpointState::kError);
      endpoint_.status.record_error(ErrorClass::kConfiguration, client.error().message());
      return;
    }
    client_ = std::move(*client);
    pump_when_lines_arrive(*endpoint_.queue, weak_from_this(), strand_,
                           &KinesisSinkCore::wake_posted_, &KinesisSinkCore::pump);
    asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      if (!self->creds_.ready()) {
        self->reporter_.set_state(self->creds_.from_instance() ? EndpointState::kFetchingCredentials
                                                               : EndpointState::kAssumingRole);
      }
      self->drive_credentials();
      self->list_shards();
      self->tick();
    });
  }

  void flush() {
    asio::post(strand_, [self = shared_from_this()] { self->driver_.flush(Clock::now()); });
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    endpoint_.queue->set_data_callback([] {});
    wake_.cancel();
    tick_timer_.cancel();
    if (client_) client_->stop();
    // Of each lease, the finished prefix is acknowledged and the rest goes back (delivered lines
    // after an undelivered one are sent again after a restart: at least once).
    driver_.stop();
    calls_.clear();
  }

  // DeliveryHost: the request was built and signed by plan().
  void send(uint64_t id, const Payload&) override {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    send_answering_on_strand(*client_, std::move(it->second.request), weak_from_this(), strand_,
                             [id](KinesisSinkCore& self, const HttpClientResponse& resp) {
                               self.on_put_records(id, resp);
                             });
  }

  [[nodiscard]] bool stopped() const { return stopped_; }

  void wake_at(Clock::time_point at) override {
    wake_.arm(at, [self = shared_from_this()] {
      if (!self->stopped_) self->driver_.on_wake(Clock::now());
    });
  }

  // RequestPlanner: takes lines from the queue while the held window has room; each becomes an
  // entry in a lane.
  void fill(LeaseLedger& ledger, Clock::time_point now) override {
    if (scheduler_.lanes().empty()) return;
    const uint64_t window = window_bytes();
    const size_t max_entries = 50000 * scheduler_.lanes().size();
    std::vector<std::pair<LineRange, size_t>> too_large;
    while (held_bytes_ < window && held_entries_ < max_entries) {
      auto lease = ledger.take(2000, window - held_bytes_, now);
      if (!lease) break;
      const LineBatch& lines = ledger.lines(*lease);
      for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines.line(i);
        KeyedLine k = split_line_key(line);
        std::string_view key = partition_key(k);
        size_t record_size =
            kpl_ ? KplAggregator::single_size(key, k.line) : k.line.size() + key.size();
        if (record_size > settings_.max_record_bytes) {
          too_large.emplace_back(LineRange{*lease, uint32_t(i), 1}, k.line.size());
          continue;
        }
        uint32_t id = new_entry();
        Entry& e = entries_[id];
        e.lease = *lease;
        e.line = uint32_t(i);
        // Keys are cut to kMaxLineKeyBytes when queued, so the offset fits.
        e.line_offset = uint16_t(k.line.data() - line.data());
        e.bytes = uint32_t(k.line.size() + key.size());
        ++held_entries_;
        held_bytes_ += e.bytes;
        scheduler_.add(id, e.bytes, keyed_ ? partition_key_hash(key) : HashKey(0), next_order_++,
                       now);
      }
    }
    for (const auto& [range, bytes] : too_large) {
      const LineRange one[] = {range};
      driver_.dead_letter(
          one,
          fmt::format("{}: a line of {} bytes is larger than max_record_bytes ({}) as a Kinesis "
                      "record",
                      what_, bytes, settings_.max_record_bytes),
          now);
    }
  }

  // RequestPlanner: a PutRecords call from the lanes, once the oldest entry lingered long enough
  // (or a call's worth waits), within each shard's rate.
  Result<std::optional<PlannedRequest>> plan(uint64_t id, Clock::time_point now, bool flushing,
                                             Clock::time_point& due) override {
    auto oldest = scheduler_.oldest_waiting();
    if (!oldest) return std::optional<PlannedRequest>();
    bool full = scheduler_.waiting() >= settings_.request_max_entries;
    if (!flushing && !full && now < *oldest + linger_) {
      due = std::min(due, *oldest + linger_);
      return std::optional<PlannedRequest>();
    }
    Clock::time_point retry_at = Clock::time_point::max();
    body_.clear();
    builder_.begin_put_records(body_);
    ShardScheduler::Call call = scheduler_.plan_call(now, flushing, *this, retry_at);
    builder_.finish_put_records(body_);
    if (call.records.empty()) {
      due = std::min(due, retry_at);
      return std::optional<PlannedRequest>();
    }
    // The body moves into the request (shared with the client thread while in flight).
    auto body = std::make_shared<std::string>(std::move(body_));
    body_ = std::string();
    auto request = builder_.request("PutRecords", body, creds_.credentials(), SystemClock::now());
    if (!request) {
      // Signing failed: OpenSSL could not allocate. Everything goes back to its lane.
      scheduler_.release(call);
      std::vector<uint32_t> all = flatten(call);
      for (auto it = all.rbegin(); it != all.rend(); ++it) scheduler_.put_back(*it);
      return request.error();
    }
    PlannedRequest planned;
    planned.payload.body = std::move(body);
    Outstanding& out = calls_[id];
    out.entries = flatten(call);
    for (uint32_t e : out.entries) {
      const Entry& entry = entries_[e];
      planned.lines.push_back(LineRange{entry.lease, entry.line, 1});
      planned.payload.raw_bytes += entry.bytes;
    }
    out.call = std::move(call);
    out.request = std::move(*request);
    return std::optional<PlannedRequest>(std::move(planned));
  }

  // RequestPlanner: the call is settled; its failed entries go back to the front of their lanes.
  void settled(uint64_t id, std::span<const uint32_t> failed, Clock::time_point) override {
    auto node = calls_.extract(id);
    if (node.empty()) return;
    put_back(node.mapped().entries, failed);
  }

  // ShardScheduler::CallWriter: packs as many of a lane's first entries as one aggregated record
  // holds into aggregator_; returns its size. write_record() finishes that aggregate if the
  // lane's rate lets it go.
  size_t plan_aggregate(const std::deque<uint32_t>& pending, size_t& take) override {
    aggregator_.clear();
    take = 0;
    for (uint32_t id : pending) {
      if (scheduler_.isolated(id)) break;
      KeyedLine k = text(entries_[id]);
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

 private:
  struct Entry {
    uint64_t lease = 0;  // in the driver's ledger
    uint32_t line = 0;
    uint32_t bytes = 0;  // data + partition key: what Kinesis counts
    // Where the line starts in its queue entry: after its key and the separator, or 0 for an
    // entry without a key. Found once, at take time, rather than by a scan on every use.
    uint16_t line_offset = 0;
  };

  // A call in flight: its plan, its entries in line order, and the signed request until sent.
  struct Outstanding {
    ShardScheduler::Call call;
    std::vector<uint32_t> entries;
    HttpClientRequest request;
  };

  [[nodiscard]] milliseconds cap() const {
    return milliseconds(int64_t(settings_.max_backoff_seconds * 1000));
  }
  [[nodiscard]] static uint64_t seed(const KinesisSinkOptions& o) {
    return o.jitter_seed ? o.jitter_seed : std::random_device{}();
  }

  void pump() { driver_.pump(Clock::now()); }

  // The driver may send once there are credentials and lanes to send to.
  void update_ready() {
    driver_.set_ready(creds_.ready() && !scheduler_.lanes().empty() && client_ != nullptr,
                      Clock::now());
  }

  [[nodiscard]] KeyedLine text(const Entry& e) const {
    std::string_view entry = driver_.ledger().lines(e.lease).line(e.line);
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

  // The entry is finished with (the driver finished its line: delivered, dead-lettered, expired).
  void forget(uint32_t id) {
    --held_entries_;
    held_bytes_ -= entries_[id].bytes;
    entries_[id] = Entry{};
    free_.push_back(id);
  }

  [[nodiscard]] static std::vector<uint32_t> flatten(const ShardScheduler::Call& call) {
    std::vector<uint32_t> ids;
    for (const auto& record : call.records) ids.insert(ids.end(), record.begin(), record.end());
    return ids;
  }

  // Of `entries` (a call's, in line order), those at `failed` go back to the front of their
  // lanes, walking backwards so each lane keeps their order; the rest are forgotten.
  void put_back(const std::vector<uint32_t>& entries, std::span<const uint32_t> failed) {
    auto bad = failed.rbegin();
    for (size_t i = entries.size(); i-- > 0;) {
      if (bad != failed.rend() && *bad == i) {
        ++bad;
        scheduler_.put_back(entries[i]);
      } else {
        forget(entries[i]);
      }
    }
  }

  [[nodiscard]] uint64_t window_bytes() const {
    return std::max<uint64_t>(scheduler_.lanes().size(), 1) * window_bytes_per_shard_;
  }

  // Of an entry in the scheduler (its take time is kept there).
  [[nodiscard]] bool expired(uint32_t id, Clock::time_point now) const {
    return settings_.record_ttl_seconds > 0 &&
           now - scheduler_.taken_at(id) >
               std::chrono::duration<double>(settings_.record_ttl_seconds);
  }

  // The answer to call `id`: the scheduler learns from it, the driver acts on its verdict.
  void on_put_records(uint64_t id, const HttpClientResponse& resp) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Outstanding& out = it->second;
    auto now = Clock::now();
    scheduler_.release(out.call);
    KinesisVerdict whole =
        classify_kinesis_call(resp.outcome, "PutRecords to " + what_, out.call.records.size());
    Verdict verdict;
    if (whole.action == KinesisVerdict::Action::kSuccess) {
      auto parsed = parse_put_records(resp.outcome.body, out.call.records.size());
      if (parsed) {
        verdict = read_answer(out, *parsed, now);
      } else {
        verdict = Verdict::retry(ErrorClass::kRetryable, fmt::format("PutRecords to {}: {}", what_,
                                                                     parsed.error().message()));
      }
    } else {
      if (whole.action == KinesisVerdict::Action::kIsolate) {
        for (uint32_t e : out.entries) scheduler_.isolate(e);
      }
      if (whole.refresh_shards) request_shard_refresh();
      if (whole.refresh_credentials) refresh_credentials();
      verdict = to_verdict(whole);
    }
    driver_.on_response(id, verdict, now);
  }

  // A PutRecords answer, record by record: the shards' rates learn from it, then the verdict.
  Verdict read_answer(const Outstanding& out, const PutRecordsResult& result,
                      Clock::time_point now) {
    const ShardScheduler::Call& call = out.call;
    outcomes_.assign(call.records.size(), {});
    lines_per_record_.clear();
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
      lines_per_record_.push_back(uint32_t(call.records[i].size()));
    }
    if (scheduler_.on_answer(call, outcomes_, now)) request_shard_refresh();
    size_t throttled = 0;
    Verdict v = put_records_verdict(result, lines_per_record_, what_, throttled);
    if (throttled > 0) {
      endpoint_.counters.throttled.fetch_add(throttled, std::memory_order_relaxed);
    }
    return v;
  }

  void request_shard_refresh() {
    auto now = Clock::now();
    if (listing_.soon(now) <= now) {
      list_shards();
    } else {
      arm_tick_at(listing_.next());
    }
  }

  void list_shards() {
    if (listing_.listing() || stopped_ || !client_) return;
    auto now = Clock::now();
    if (!creds_.ready()) return listing_.postpone(now);
    listing_.begin(now);
    list_page("");
  }

  void list_page(const std::string& token) {
    auto body = std::make_shared<std::string>(builder_.list_shards_body(token));
    auto req = builder_.request("ListShards", body, creds_.credentials(), SystemClock::now());
    if (!req) return listing_failed(req.error().message(), ErrorClass::kRetryable);
    send_answering_on_strand(
        *client_, std::move(*req), weak_from_this(), strand_,
        [](KinesisSinkCore& self, const HttpClientResponse& resp) { self.on_list_page(resp); });
  }

  void on_list_page(const HttpClientResponse& resp) {
    KinesisVerdict v = classify_kinesis_call(resp.outcome, "ListShards of " + what_, 0);
    if (v.action != KinesisVerdict::Action::kSuccess) {
      if (v.refresh_credentials) refresh_credentials();
      return listing_failed(v.message, v.error_class);
    }
    auto page = parse_list_shards(resp.outcome.body);
    if (!page) return listing_failed(page.error().message(), ErrorClass::kRetryable);
    if (auto token = listing_.add_page(std::move(*page))) return list_page(*token);
    auto map = listing_.finish(Clock::now());
    if (!map) {
      // Mid-reshard listings can show a gap for a moment: keep the old map, look again soon.
      return listing_trouble(fmt::format("ListShards of {}: {}", what_, map.error().message()),
                             ErrorClass::kRetryable);
    }
    if (scheduler_.lanes().empty() || !map->same_open_shards(scheduler_.map())) {
      apply_map(std::move(*map));
    }
    if (reporter_.state() == EndpointState::kListingShards ||
        reporter_.state() == EndpointState::kStarting) {
      reporter_.set_state(EndpointState::kOk);
    }
    arm_tick_at(listing_.next());
    pump();
  }

  void listing_failed(const std::string& message, ErrorClass cls) {
    listing_.failed(cls, Clock::now());
    listing_trouble(message, cls);
  }

  // The listing failed and the next one is planned: say so, and wake for it.
  void listing_trouble(const std::string& message, ErrorClass cls) {
    reporter_.error(cls, message + (scheduler_.lanes().empty() ? "; nothing is sent until the "
                                                                 "stream's shards are known"
                                                               : ""));
    if (scheduler_.lanes().empty()) {
      reporter_.set_state(cls == ErrorClass::kConfiguration ? EndpointState::kError
                                                            : EndpointState::kListingShards);
    }
    arm_tick_at(listing_.next());
  }

  // New lanes for the open shards (ShardScheduler::apply_map).
  void apply_map(ShardMap map) {
    size_t dealt = scheduler_.apply_map(std::move(map), Clock::now());
    update_ready();
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
    req.check_destination = !call->instance_metadata;
    send_answering_on_strand(
        *client_, std::move(req), weak_from_this(), strand_,
        [](KinesisSinkCore& self, const HttpClientResponse& resp) {
          const HttpOutcome& o = resp.outcome;
          AwsHttpAnswer answer{o.transport_ok, o.transport_error, o.status, o.body};
          self.on_credential_event(self.creds_.on_answer(answer, SystemClock::now()));
          self.drive_credentials();  // the next step of a chain (instance metadata)
          self.pump();
        });
  }

  void on_credential_event(const AwsCredentialProvider::Event& event) {
    if (event.error_class) {
      reporter_.error(*event.error_class, event.error);
      if (!creds_.ready()) reporter_.set_state(EndpointState::kError);
    }
    if (event.became_ready) {
      if (reporter_.state() == EndpointState::kAssumingRole ||
          reporter_.state() == EndpointState::kFetchingCredentials) {
        reporter_.set_state(EndpointState::kListingShards);
      }
      if (scheduler_.lanes().empty()) list_shards();
      update_ready();
    }
  }

  void refresh_credentials() {
    creds_.refresh(SystemClock::now());
    drive_credentials();
  }

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

  // Once a second (sooner for a due listing): credentials, the shard map, expiry, /status.
  void tick() {
    auto now = Clock::now();
    if (SystemClock::now() >= creds_.next_due()) drive_credentials();
    if (listing_.due(now)) list_shards();
    if (settings_.record_ttl_seconds > 0) expire_waiting(now);
    std::optional<double> map_age;
    if (!scheduler_.lanes().empty() && listing_.listed_at()) {
      map_age = std::chrono::duration<double>(now - *listing_.listed_at()).count();
    }
    endpoint_.status.set_detail(
        kinesis_status_detail(settings_, scheduler_, creds_, map_age,
                              std::chrono::duration<double>(now - last_report_).count()));
    last_report_ = now;
    pump();
    tick_at_ = now + std::chrono::seconds(1);
    if (listing_.next() < tick_at_) tick_at_ = std::max(listing_.next(), now + milliseconds(10));
    schedule_tick();
  }

  void expire_waiting(Clock::time_point now) {
    std::vector<LineRange> lines;
    for (uint32_t id : scheduler_.take_waiting_if([&](uint32_t id) { return expired(id, now); })) {
      lines.push_back(LineRange{entries_[id].lease, entries_[id].line, 1});
      forget(id);
    }
    if (lines.empty()) return;
    driver_.expired(lines, now);
    reporter_.error(
        ErrorClass::kRetryable,
        fmt::format("{}: {} line(s) dropped after waiting longer than record_ttl ({} s)", what_,
                    lines.size(), settings_.record_ttl_seconds));
  }

  EndpointChannel& endpoint_;
  std::shared_ptr<const EndpointConfig> config_;           // keeps settings_ alive
  std::shared_ptr<const DestinationPolicy> destinations_;  // where the client may connect
  const KinesisSinkSettings& settings_;
  asio::strand<asio::io_context::executor_type> strand_;
  KinesisRequestBuilder builder_;
  WakeTimer wake_;
  asio::steady_timer tick_timer_;
  std::string what_;
  std::string even_key_;
  bool keyed_;
  bool kpl_;
  uint64_t window_bytes_per_shard_ = 0;
  uint64_t max_aggregate_bytes_ = 0;
  Clock::duration linger_{};

  std::unique_ptr<HttpClient> client_;
  std::atomic<bool> wake_posted_{false};
  bool stopped_ = false;

  AwsCredentialProvider creds_;

  // The shard map.
  ShardScheduler scheduler_;
  ShardListing listing_;

  // Entries, by dense ids the scheduler's lanes hold.
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  size_t held_entries_ = 0;
  uint64_t held_bytes_ = 0;
  uint64_t next_order_ = 0;

  // Calls.
  std::map<uint64_t, Outstanding> calls_;
  std::string body_;
  std::string blob_;
  KplAggregator aggregator_;
  std::vector<ShardScheduler::RecordOutcome> outcomes_;  // of the answer read
  std::vector<uint32_t> lines_per_record_;

  Clock::time_point tick_at_ = Clock::time_point::max();
  uint64_t tick_generation_ = 0;
  Clock::time_point last_report_ = Clock::now();

  DeliveryReporter reporter_;
  DeliveryDriver driver_;
};

}  // namespace

std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx) {
  return make_kinesis_sink(ctx, KinesisSinkOptions{});
}

std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx, const KinesisSinkOptions& options) {
  return make_shared_core_sink<KinesisSinkCore, KinesisSinkSettings>(ctx, options);
}

}  // namespace sluice

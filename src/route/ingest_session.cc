#include "route/ingest_session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "core/line_rules.h"
#include "core/log_statement.h"
#include "queue/line_key.h"

namespace sluice {
namespace {

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// A short, printable excerpt of bad input for an error message.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  if (s.size() > 40) out += "...";
  return out;
}

void count_cut(EndpointCounters& c, LineCut cut) {
  if (cut.at_terminator) c.cut_at_newline.fetch_add(1, std::memory_order_relaxed);
  if (cut.at_limit) c.truncated.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

IngestSession::IngestSession(const ActiveRoutes& routes, std::string default_service,
                             PayloadKind payload, bool answers_batches)
    : routes_(routes),
      default_service_(std::move(default_service)),
      payload_(payload),
      answers_batches_(answers_batches) {}

const RoutingTable& IngestSession::table() {
  if (!table_) {
    table_ = routes_.current();
    // Slots are per table: a new version may have more of them.
    if (slot_to_pending_.size() < table_->slot_count()) {
      slot_to_pending_.resize(table_->slot_count(), -1);
    }
  }
  return *table_;
}

Status IngestSession::submit(std::string_view payload, bool cut) {
  std::string_view p = trim_left(payload);
  switch (payload_) {
    case PayloadKind::kLog:
      return submit_log_statement(p, cut);
    case PayloadKind::kRecord:
      return submit_record(p, default_service_);
    case PayloadKind::kAuto:
      break;
  }
  if (!p.empty() && p.front() == '{') return submit_record(p, default_service_);
  if (p.substr(0, 7) == "syslog ") return submit_log_statement(p, cut);
  return Error(fmt::format(
      "neither a log statement (syslog <service_id> <endpoint> :: message) nor a JSON request "
      "record: '{}'",
      excerpt(p)));
}

void IngestSession::flush_early() {
  if (pending_bytes_ < early_flush_at_) return;
  if (flush()) return;
  // A full queue (block): the caller finds out at its own flush. Until then, try again only
  // after as much again has piled up, not on every message.
  early_flush_at_ = pending_bytes_ + kEarlyFlushBytes;
}

Status IngestSession::submit_record(std::string_view json, std::string_view service_id) {
  flush_early();
  const ServiceRoutes* svc = table().service(service_id);
  if (svc == nullptr) {
    if (service_id.empty()) return Error("a request record arrived on a source with no service");
    return Error(fmt::format("no service \"{}\" for this request record", service_id));
  }
  if (Status st = decoder_.decode(json, record_); !st) return st;
  ++message_;
  ctx_.now_usec = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  for (const Route* route : svc->automatic) {
    const EndpointPlan& plan = *route->plan;
    if (plan.condition && !plan.condition->matches(record_, ctx_)) continue;
    line_.clear();
    size_t start = render_key(plan, record_);
    plan.format->render(record_, ctx_, line_);
    count_cut(route->channel->counters, apply_line_rules(line_, start, plan.max_line_bytes));
    queue_line(*route, std::string_view(line_.data(), line_.size()));
  }
  return {};
}

Status IngestSession::submit_log_statement(std::string_view text, bool cut) {
  auto st = parse_log_statement(text);
  if (!st) {
    return Error(fmt::format(
        "not a log statement (syslog <service_id> <endpoint> :: message): '{}'", excerpt(text)));
  }
  return submit_line(st->service_id, st->endpoint, st->message, cut);
}

Status IngestSession::submit_line(std::string_view service_id, std::string_view endpoint,
                                  std::string_view message, bool cut) {
  flush_early();
  const RoutingTable& t = table();
  const ServiceRoutes* svc = t.service(service_id);
  const Route* route = svc != nullptr ? svc->endpoint(endpoint) : nullptr;
  if (route == nullptr) {
    t.count_unknown(service_id, endpoint);
    if (svc == nullptr) {
      return Error(fmt::format("dropped: no service \"{}\" (endpoint \"{}\")", excerpt(service_id),
                               excerpt(endpoint)));
    }
    return Error(
        fmt::format("dropped: service \"{}\" has no endpoint \"{}\" (names are "
                    "case-sensitive)",
                    svc->id, excerpt(endpoint)));
  }
  ++message_;
  line_.clear();
  // A log line has no record: its key renders as the format would for an empty one.
  const EndpointPlan& plan = *route->plan;
  size_t start = render_key(plan, no_record_);
  line_.append(message.data(), message.data() + message.size());
  LineCut rules = apply_line_rules(line_, start, plan.max_line_bytes);
  // The source's cut shortened the line unless the line rules ended it earlier at a terminator;
  // either way a line counts once.
  if (cut && !rules.at_terminator) rules.at_limit = true;
  count_cut(route->channel->counters, rules);
  queue_line(*route, std::string_view(line_.data(), line_.size()));
  return {};
}

size_t IngestSession::render_key(const EndpointPlan& plan, const Record& record) {
  if (!plan.key_format) return 0;
  plan.key_format->render(record, ctx_, line_);
  // The key follows the line rules too (which also keeps the separator out of it), capped at
  // what Kinesis accepts. Its cuts are not counted: they are not the line's.
  (void)apply_line_rules(line_, 0, kMaxLineKeyBytes);
  line_.push_back(kLineKeySeparator);
  return line_.size();
}

void IngestSession::queue_line(const Route& route, std::string_view line) {
  int32_t& index = slot_to_pending_[route.slot];
  if (index < 0) {
    if (used_ == pending_.size()) pending_.emplace_back();
    index = int32_t(used_++);
    pending_[size_t(index)].route = &route;
  }
  Pending& p = pending_[size_t(index)];
  p.lines.add(line);
  if (answers_batches_) p.messages.push_back(message_);
  ++pending_lines_;
  pending_bytes_ += line.size();
}

bool IngestSession::flush() {
  if (!table_) return true;
  bool all = true;
  for (size_t i = 0; i < used_; ++i) {
    LineBatch& batch = pending_[i].lines;
    if (batch.empty()) continue;
    const Route& route = *pending_[i].route;
    EndpointChannel& e = *route.channel;
    size_t before = batch.size();
    if (e.refusing_lines()) {
      e.counters.dropped[size_t(DropReason::kEndpointRemoved)].fetch_add(before,
                                                                         std::memory_order_relaxed);
      note_dropped(pending_[i], 0);
      pending_lines_ -= before;
      batch.clear();
      pending_[i].messages.clear();
      continue;
    }
    PushResult r = e.queue->push(batch);
    if (r.dropped_newest > 0) note_dropped(pending_[i], r.accepted);
    if (answers_batches_) {
      std::vector<uint32_t>& m = pending_[i].messages;
      m.erase(m.begin(), m.begin() + std::ptrdiff_t(std::min(m.size(), before - batch.size())));
    }
    e.counters.received.fetch_add(r.accepted, std::memory_order_relaxed);
    uint64_t dropped = r.dropped_newest + r.dropped_oldest;
    if (dropped > 0) {
      e.counters.dropped[size_t(DropReason::kQueueFull)].fetch_add(dropped,
                                                                   std::memory_order_relaxed);
    }
    pending_lines_ -= before - batch.size();
    if (r.accepted > 0 && answers_batches_) pushed_.push_back(table_->channel_of(route));
    if (r.full) all = false;
  }
  if (!all) {
    pending_bytes_ = 0;
    for (size_t i = 0; i < used_; ++i) pending_bytes_ += pending_[i].lines.byte_size();
    return false;
  }
  pending_bytes_ = 0;
  early_flush_at_ = kEarlyFlushBytes;
  // The batch is queued: forget its endpoints and let its version go.
  for (size_t i = 0; i < used_; ++i) slot_to_pending_[pending_[i].route->slot] = -1;
  used_ = 0;
  table_.reset();
  return true;
}

void IngestSession::note_dropped(const Pending& p, size_t first) {
  if (!answers_batches_) return;
  dropped_messages_.insert(dropped_messages_.end(), p.messages.begin() + std::ptrdiff_t(first),
                           p.messages.end());
}

size_t IngestSession::take_dropped_messages() {
  std::sort(dropped_messages_.begin(), dropped_messages_.end());
  size_t n = size_t(std::unique(dropped_messages_.begin(), dropped_messages_.end()) -
                    dropped_messages_.begin());
  dropped_messages_.clear();
  return n;
}

bool IngestSession::pending_for_durable_queue() const {
  for (size_t i = 0; i < used_; ++i) {
    if (!pending_[i].lines.empty() && pending_[i].route->channel->queue->durable()) return true;
  }
  return false;
}

void IngestSession::when_durable(std::function<void()> done) {
  struct Join {
    std::atomic<size_t> remaining{1};  // 1 for the loop below, so it cannot finish early
    std::function<void()> done;
  };
  auto join = std::make_shared<Join>();
  join->done = std::move(done);
  auto arrive = [join] {
    if (join->remaining.fetch_sub(1) == 1) join->done();
  };
  std::sort(pushed_.begin(), pushed_.end());
  pushed_.erase(std::unique(pushed_.begin(), pushed_.end()), pushed_.end());
  for (const auto& channel : pushed_) {
    join->remaining.fetch_add(1);
    channel->queue->when_durable(arrive);
  }
  pushed_.clear();
  arrive();
}

}  // namespace sluice

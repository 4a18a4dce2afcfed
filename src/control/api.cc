#include "control/api.h"

#include <chrono>

#include <fmt/format.h>

#include "control/prometheus_text.h"
#include "core/json_text.h"
#include "core/json_writer.h"
#include "core/variable.h"

namespace sluice {
namespace {

std::string endpoint_labels(const EndpointChannel& e) {
  std::string labels;
  append_label(labels, "service", e.service_id);
  append_label(labels, "endpoint", e.name());
  return labels;
}

// The endpoint's labels and one more.
std::string endpoint_labels(const EndpointChannel& e, std::string_view name,
                            std::string_view value) {
  std::string labels = endpoint_labels(e);
  append_label(labels, name, value);
  return labels;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = std::time_t(usec / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (usec / 1000) % 1000);
}

constexpr std::string_view kDropReasons[] = {"queue_full", "permanent_error", "expired",
                                             "endpoint_removed"};
constexpr std::string_view kErrorClasses[] = {"retryable", "permanent", "configuration"};

void write_error(JsonWriter& w, const EndpointStatus::ErrorEvent& e) {
  w.begin_object()
      .field("time", iso_time(e.time))
      .field("class", kErrorClasses[size_t(e.error_class)])
      .field("message", e.message)
      .end_object();
}

// {"error": message, "host": host}: the Host is a field of its own as well, for a client that
// wants it without parsing the message.
HttpResponse json_error_response(int status, std::string_view message, std::string_view host) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  JsonWriter w(r.body);
  w.begin_object().field("error", message).field("host", host).end_object();
  r.body += '\n';
  return r;
}

}  // namespace

std::string Api::metrics() const {
  std::string out;
  std::vector<std::shared_ptr<EndpointChannel>> eps;
  for (auto& view : topology_.channels()) eps.push_back(std::move(view.channel));
  auto counter = [&](std::string_view name, std::string_view help, auto get) {
    append_metric_header(out, name, "counter", help);
    for (const auto& e : eps) append_sample(out, name, endpoint_labels(*e), uint64_t(get(*e)));
  };
  counter("sluice_endpoint_received_total", "Lines accepted into the endpoint's queue.",
          [](const EndpointChannel& e) { return e.counters.received.load(); });
  counter("sluice_endpoint_delivered_total", "Lines the destination acknowledged.",
          [](const EndpointChannel& e) { return e.counters.delivered.load(); });
  counter("sluice_endpoint_delivered_bytes_total",
          "Bytes the destination acknowledged, framing included.",
          [](const EndpointChannel& e) { return e.counters.delivered_bytes.load(); });
  counter("sluice_endpoint_retried_total", "Lines sent again after a failure.",
          [](const EndpointChannel& e) { return e.counters.retried.load(); });

  append_metric_header(out, "sluice_endpoint_dropped_total", "counter",
                       "Lines dropped, by reason.");
  for (const auto& e : eps) {
    for (size_t r = 0; r < size_t(DropReason::kCount); ++r) {
      append_sample(out, "sluice_endpoint_dropped_total",
                    endpoint_labels(*e, "reason", kDropReasons[r]),
                    uint64_t(e->counters.dropped[r].load()));
    }
  }
  append_metric_header(
      out, "sluice_endpoint_lines_cut_total", "counter",
      "Lines shortened by the line rules: at a newline or NUL, or at the length limit.");
  for (const auto& e : eps) {
    append_sample(out, "sluice_endpoint_lines_cut_total", endpoint_labels(*e, "rule", "newline"),
                  uint64_t(e->counters.cut_at_newline.load()));
    append_sample(out, "sluice_endpoint_lines_cut_total", endpoint_labels(*e, "rule", "length"),
                  uint64_t(e->counters.truncated.load()));
  }
  counter("sluice_endpoint_invalid_json_total",
          "Lines sent as JSON strings because they were not valid JSON (json_format 1 and 2).",
          [](const EndpointChannel& e) { return e.counters.invalid_json.load(); });
  counter("sluice_endpoint_throttled_total",
          "Records the destination refused for its rate limit, all retried (Kinesis).",
          [](const EndpointChannel& e) { return e.counters.throttled.load(); });
  append_metric_header(out, "sluice_endpoint_requests_in_flight", "gauge",
                       "Requests sent and not yet answered (HTTP endpoints).");
  for (const auto& e : eps) {
    append_sample(out, "sluice_endpoint_requests_in_flight", endpoint_labels(*e),
                  uint64_t(e->counters.requests_in_flight.load()));
  }
  append_metric_header(out, "sluice_endpoint_errors_total", "counter",
                       "Destination errors, by class.");
  for (const auto& e : eps) {
    for (size_t c = 0; c < size_t(ErrorClass::kCount); ++c) {
      append_sample(out, "sluice_endpoint_errors_total",
                    endpoint_labels(*e, "class", kErrorClasses[c]),
                    uint64_t(e->counters.errors[c].load()));
    }
  }
  append_metric_header(out, "sluice_endpoint_queue_lines", "gauge", "Lines waiting or in flight.");
  for (const auto& e : eps) {
    append_sample(out, "sluice_endpoint_queue_lines", endpoint_labels(*e),
                  uint64_t(e->queue->depth().lines));
  }
  append_metric_header(out, "sluice_endpoint_queue_bytes", "gauge", "Bytes waiting or in flight.");
  for (const auto& e : eps) {
    append_sample(out, "sluice_endpoint_queue_bytes", endpoint_labels(*e),
                  uint64_t(e->queue->depth().bytes));
  }
  // Disk queues only (storage.dir set): what is on disk and what recovery and writing found.
  auto storage_metric = [&](std::string_view name, std::string_view type, std::string_view help,
                            auto get) {
    append_metric_header(out, name, type, help);
    for (const auto& e : eps) {
      if (auto st = e->queue->storage_stats()) {
        append_sample(out, name, endpoint_labels(*e), uint64_t(get(*st)));
      }
    }
  };
  storage_metric("sluice_endpoint_disk_bytes", "gauge",
                 "Bytes of segment files on disk, kept acknowledged segments included.",
                 [](const StorageStats& s) { return s.bytes_on_disk; });
  storage_metric("sluice_endpoint_disk_unacked_bytes", "gauge",
                 "Framed bytes on disk not yet acknowledged (counted against max_bytes).",
                 [](const StorageStats& s) { return s.unacked_bytes; });
  storage_metric("sluice_endpoint_disk_segments", "gauge", "Segment files on disk.",
                 [](const StorageStats& s) { return s.segments; });
  storage_metric("sluice_endpoint_recovered_torn_records_total", "counter",
                 "Torn last records (a write cut short by a crash) cut off at start.",
                 [](const StorageStats& s) { return s.recovered_torn_records; });
  storage_metric("sluice_endpoint_corrupt_records_skipped_total", "counter",
                 "Damaged records (bad checksum or framing) skipped; each run counts once.",
                 [](const StorageStats& s) { return s.corrupt_records_skipped; });
  storage_metric("sluice_endpoint_corrupt_bytes_skipped_total", "counter",
                 "Bytes of damaged records skipped.",
                 [](const StorageStats& s) { return s.corrupt_bytes_skipped; });
  storage_metric("sluice_endpoint_disk_full_errors_total", "counter",
                 "Appends refused because the disk was full (ENOSPC).",
                 [](const StorageStats& s) { return s.disk_full_errors; });
  storage_metric("sluice_endpoint_disk_write_errors_total", "counter",
                 "Other disk errors: write, fsync, open.",
                 [](const StorageStats& s) { return s.write_errors; });
  storage_metric("sluice_endpoint_disk_full", "gauge",
                 "1 while the last append failed for lack of space.",
                 [](const StorageStats& s) { return s.disk_full ? 1 : 0; });
  storage_metric("sluice_endpoint_dead_letter_total", "counter",
                 "Lines written to the dead-letter segments after a permanent failure.",
                 [](const StorageStats& s) { return s.dead_letter_lines; });
  append_metric_header(out, "sluice_endpoint_batch_latency_seconds", "histogram",
                       "Time from taking a batch from the queue to its acknowledgement.");
  for (const auto& e : eps) {
    uint64_t cumulative = 0;
    const auto& c = e->counters;
    for (size_t b = 0; b < std::size(EndpointCounters::kLatencyBuckets); ++b) {
      cumulative += c.latency_bucket[b].load();
      append_sample(
          out, "sluice_endpoint_batch_latency_seconds_bucket",
          endpoint_labels(*e, "le", fmt::format("{}", EndpointCounters::kLatencyBuckets[b])),
          cumulative);
    }
    cumulative += c.latency_bucket[std::size(EndpointCounters::kLatencyBuckets)].load();
    append_sample(out, "sluice_endpoint_batch_latency_seconds_bucket",
                  endpoint_labels(*e, "le", "+Inf"), cumulative);
    append_sample(out, "sluice_endpoint_batch_latency_seconds_sum", endpoint_labels(*e),
                  double(c.latency_sum_usec.load()) / 1e6);
    append_sample(out, "sluice_endpoint_batch_latency_seconds_count", endpoint_labels(*e),
                  uint64_t(c.latency_count.load()));
  }
  append_metric_header(
      out, "sluice_unknown_endpoint_total", "counter",
      "Log statements dropped because their service has no endpoint of that name.");
  for (const auto& [key, count] : topology_.unknown_counts()) {
    std::string labels;
    append_label(labels, "service", key.first);
    append_label(labels, "endpoint", key.second);
    append_sample(out, "sluice_unknown_endpoint_total", labels, uint64_t(count));
  }
  auto source_counter = [&](std::string_view name, std::string_view help, auto get) {
    append_metric_header(out, name, "counter", help);
    for (const SourceInfo& s : sources_) {
      std::string labels;
      append_label(labels, "source", s.name);
      append_sample(out, name, labels, uint64_t(get(*s.counters)));
    }
  };
  source_counter("sluice_source_messages_total", "Messages received.",
                 [](const SourceCounters& c) { return c.messages.load(); });
  source_counter("sluice_source_rejected_total",
                 "Messages rejected: not a log statement or a valid JSON request record, or "
                 "a syslog frame lost to framing (a refused octet count).",
                 [](const SourceCounters& c) { return c.rejected.load(); });
  source_counter("sluice_source_bytes_total", "Bytes received.",
                 [](const SourceCounters& c) { return c.bytes.load(); });
  source_counter("sluice_source_connections_refused_total",
                 "Connections closed at once because the source had max_connections open.",
                 [](const SourceCounters& c) { return c.refused.load(); });
  source_counter("sluice_source_idle_closed_total",
                 "Connections closed after sending nothing for idle_timeout.",
                 [](const SourceCounters& c) { return c.idle_closed.load(); });
  source_counter("sluice_source_bodies_refused_total",
                 "HTTP requests answered 503 because the request bodies in progress held the "
                 "whole body_budget.",
                 [](const SourceCounters& c) { return c.bodies_refused.load(); });
  if (body_budget_ != nullptr) {
    append_metric_header(out, "sluice_body_budget_bytes", "gauge",
                         "The bytes HTTP request bodies in progress may hold at once "
                         "(body_budget).");
    append_sample(out, "sluice_body_budget_bytes", {}, body_budget_->limit());
    append_metric_header(out, "sluice_body_budget_held_bytes", "gauge",
                         "The bytes HTTP request bodies in progress hold now.");
    append_sample(out, "sluice_body_budget_held_bytes", {}, body_budget_->held());
  }
  return out;
}

void Api::write_config_status(JsonWriter& w) const {
  w.key("config").begin_object();
  std::string file = reloads_.file();
  w.key("file");
  if (file.empty()) {
    w.null();
  } else {
    w.value(file);
  }
  w.field("generation", topology_.generation());
  w.field("activated_at", iso_time(topology_.activated_at()));
  w.key("last_reload");
  if (auto last = reloads_.last()) {
    w.begin_object()
        .field("at", iso_time(last->at))
        .field("result", last->activated ? "activated" : "refused")
        .key("errors")
        .begin_array();
    for (const std::string& e : last->errors) w.value(e);
    w.end_array().end_object();
  } else {
    w.null();
  }
  w.end_object();
}

std::string Api::status() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_config_status(w);
  w.key("endpoints").begin_array();
  auto now = std::chrono::system_clock::now();
  for (const auto& view : topology_.channels()) {
    const EndpointChannel& e = *view.channel;
    EndpointStatus::Snapshot s = e.status.snapshot();
    QueueDepth depth = e.queue->depth();
    w.begin_object()
        .field("service", e.service_id)
        .field("name", e.name())
        .field("type", view.type);
    if (view.retiring) w.field("retiring", true);
    w.field("state", to_string(s.state));
    w.key("last_success");
    if (s.last_success) {
      w.value(iso_time(*s.last_success));
    } else {
      w.null();
    }
    w.key("last_error");
    if (s.last_error) {
      write_error(w, *s.last_error);
    } else {
      w.null();
    }
    // Lag: how long lines have waited without a delivery. 0 when nothing waits.
    double lag = 0;
    if (depth.lines > 0 && s.last_success) {
      lag = std::chrono::duration<double>(now - *s.last_success).count();
    }
    w.key("lag_seconds").value(lag, 3);
    w.key("queue")
        .begin_object()
        .field("lines", depth.lines)
        .field("bytes", depth.bytes)
        .field("in_flight", depth.leased_lines)
        .end_object();
    w.field("received", e.counters.received.load())
        .field("delivered", e.counters.delivered.load())
        .field("retried", e.counters.retried.load())
        .field("dropped_permanent", e.counters.dropped[size_t(DropReason::kPermanentError)].load());
    if (!s.detail.empty()) {
      w.field("throttled", e.counters.throttled.load());
      w.key("detail").raw(s.detail);
    }
    if (auto st = e.queue->storage_stats()) {
      w.key("storage")
          .begin_object()
          .field("disk_bytes", st->bytes_on_disk)
          .field("unacked_bytes", st->unacked_bytes)
          .field("segments", st->segments)
          .field("recovered_torn_records", st->recovered_torn_records)
          .field("corrupt_records_skipped", st->corrupt_records_skipped)
          .field("disk_full", st->disk_full)
          .field("disk_full_errors", st->disk_full_errors)
          .field("write_errors", st->write_errors)
          .field("dead_letter", st->dead_letter_lines);
      w.key("last_error");
      if (st->last_error.empty()) {
        w.null();
      } else {
        w.value(st->last_error);
      }
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.key("sources").begin_array();
  for (const SourceInfo& src : sources_) {
    w.begin_object()
        .field("name", src.name)
        .field("messages", src.counters->messages.load())
        .field("rejected", src.counters->rejected.load())
        .field("bytes", src.counters->bytes.load())
        .end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

std::string Api::errors(std::string_view endpoint_filter) const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("endpoints").begin_array();
  for (const auto& view : topology_.channels()) {
    const EndpointChannel& e = *view.channel;
    if (!endpoint_filter.empty() && e.name() != endpoint_filter) continue;
    w.begin_object().field("service", e.service_id).field("name", e.name());
    w.key("errors").begin_array();
    for (const auto& err : e.status.snapshot().recent_errors) write_error(w, err);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

HttpResponse Api::handle(const HttpRequest& request) const {
  HttpResponse r;
  // The Host check comes first: a refused request learns nothing, not even which paths exist.
  size_t host_headers = 0;
  std::string_view host;
  for (const auto& [name, value] : request.headers) {
    if (equal_folded(name, "host")) {
      ++host_headers;
      host = value;
    }
  }
  if (host_headers > 1) {
    // RFC 9112 3.2: two Host headers make the request ambiguous; it is answered with 400.
    return json_error_response(400, "the request has more than one Host header", host);
  }
  if (!hosts_.allows(host)) {
    // 421 Misdirected Request rather than 403: nothing is wrong with the client's rights; the
    // request names an authority this server does not answer for (RFC 9110 15.5.20), and the fix
    // is the name ([api] allowed_hosts), not a credential.
    return json_error_response(
        421,
        fmt::format("Host \"{}\" is not a name or address of this API (a guard against DNS "
                    "rebinding); if it is one, add it to [api] allowed_hosts",
                    host),
        host);
  }
  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
  // HEAD is GET without the body (RFC 9110 9.3.2): the answer is built the same way, so its
  // Content-Length is the GET body's, and the HTTP server leaves the body out.
  if (request.method != "GET" && request.method != "HEAD") {
    r.status = 405;
    r.headers.emplace_back("Allow", "GET, HEAD");
    r.body = "only GET and HEAD are supported\n";
    return r;
  }
  if (path == "/metrics") {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics();
  } else if (path == "/status") {
    r.content_type = "application/json";
    r.body = status();
  } else if (path == "/errors") {
    r.content_type = "application/json";
    std::string_view filter;
    if (query.substr(0, 9) == "endpoint=") filter = query.substr(9);
    r.body = errors(filter);
  } else if (path == "/health") {
    r.body = "ok\n";
  } else {
    r.status = 404;
    r.body = "not found: try /metrics, /status, /errors or /health\n";
  }
  return r;
}

}  // namespace sluice

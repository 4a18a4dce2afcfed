#include "topology/topology.h"

#include <algorithm>
#include <atomic>
#include <future>

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include "core/log.h"

#include "queue/disk/disk_queue.h"
#include "queue/disk/queue_dir.h"
#include "sinks/sink.h"

namespace sluice {
namespace {

std::string key_name(const std::string& service, const std::string& endpoint) {
  return service + "/" + endpoint;
}

// True when the lines `next` renders differ from those of `prev`: what a version decides at
// ingest. Such a change takes effect with the next batch and restarts nothing.
bool plan_changed(const EndpointPlan& prev, const EndpointPlan& next) {
  const EndpointConfig& a = *prev.config;
  const EndpointConfig& b = *next.config;
  auto condition_text = [](const EndpointPlan& p) {
    return p.condition ? p.condition->source() : std::string();
  };
  return a.format != b.format || a.format_version != b.format_version ||
         a.placement_none != b.placement_none || prev.max_line_bytes != next.max_line_bytes ||
         condition_text(prev) != condition_text(next);
}

// What the queue was opened with: it is not rebuilt by an activation.
bool queue_settings_changed(const EndpointConfig& a, const EndpointConfig& b) {
  return a.queue_max_bytes != b.queue_max_bytes || a.when_full != b.when_full ||
         a.max_bytes != b.max_bytes || a.fsync != b.fsync || a.keep_acked != b.keep_acked;
}

// Runs `fn` on `loop`'s thread and waits for it, so that it never runs beside a handler of the
// sinks there. Once the loop has stopped, runs it here. Exactly one of the two runs it: they
// race for `claimed`, and the posted handler owns its share of the state.
void run_on_loop(boost::asio::io_context* loop, const std::function<void()>& fn) {
  if (loop == nullptr || loop->stopped()) {
    fn();
    return;
  }
  struct Shared {
    std::function<void()> fn;
    std::atomic<bool> claimed{false};
    std::promise<void> done;
  };
  auto shared = std::make_shared<Shared>();
  shared->fn = fn;
  std::future<void> done = shared->done.get_future();
  boost::asio::post(*loop, [shared] {
    if (shared->claimed.exchange(true)) return;
    shared->fn();
    shared->done.set_value();
  });
  while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    // A loop that stops before running the handler never will.
    if (loop->stopped() && !shared->claimed.exchange(true)) {
      fn();
      return;
    }
  }
}

}  // namespace

std::string ActivationReport::summary() const {
  auto list = [](std::string_view what, const std::vector<std::string>& names) {
    return names.empty() ? std::string() : fmt::format("; {}: {}", what, fmt::join(names, ", "));
  };
  return fmt::format("generation {}{}{}{}{}", generation, list("added", added),
                     list("removed", removed), list("restarted", restarted),
                     list("new format or condition", replanned));
}

EndpointChannel::EndpointChannel(std::string service_id, std::string name,
                                 std::unique_ptr<EndpointQueue> queue)
    : service_id(std::move(service_id)), queue(std::move(queue)), name_(std::move(name)) {}
EndpointChannel::~EndpointChannel() = default;

Topology::Topology(TopologyOptions options)
    : options_(std::move(options)), sinks_per_loop_(options_.loops.size(), 0) {}

Topology::~Topology() {
  stop_all();
}

uint64_t Topology::generation() const {
  return view_.load(std::memory_order_acquire)->generation;
}

std::chrono::system_clock::time_point Topology::activated_at() const {
  return view_.load(std::memory_order_acquire)->activated_at;
}

Result<std::shared_ptr<EndpointChannel>> Topology::open_channel(const EndpointPlan& plan) {
  const EndpointConfig& ec = *plan.config;
  std::unique_ptr<EndpointQueue> queue;
  if (options_.storage.dir.empty()) {
    queue = make_memory_queue(ec.queue_max_bytes, ec.when_full);
  } else {
    DiskQueueOptions o;
    o.dir = endpoint_queue_dir(options_.storage.dir, plan.service_id, ec.name);
    o.max_bytes = ec.max_bytes;
    o.when_full = ec.when_full;
    o.fsync = ec.fsync;
    o.fsync_interval = std::chrono::milliseconds(
        std::max<int64_t>(1, int64_t(options_.storage.fsync_interval_seconds * 1000)));
    o.segment_bytes = options_.storage.segment_bytes;
    o.keep_acked = ec.keep_acked;
    auto q = open_disk_queue(std::move(o));
    if (!q) {
      return Error(q.error().code(), fmt::format("service \"{}\" endpoint \"{}\": disk queue: {}",
                                                 plan.service_id, ec.name, q.error().message()));
    }
    queue = std::move(*q);
    // What recovery found: operators want to know about damage at once.
    if (auto st = queue->storage_stats()) {
      QueueDepth d = queue->depth();
      log_info(
          "service \"{}\" endpoint \"{}\": disk queue: {} line(s), {} bytes "
          "recovered; torn records cut off: {}; corrupt records skipped: {} ({} bytes)",
          plan.service_id, ec.name, d.lines, d.bytes, st->recovered_torn_records,
          st->corrupt_records_skipped, st->corrupt_bytes_skipped);
    }
  }
  auto channel = std::make_shared<EndpointChannel>(plan.service_id, ec.name, std::move(queue));
  channel->type_ = ec.type;
  return channel;
}

Status Topology::start_sink(EndpointChannel& channel, const EndpointPlan& plan) {
  // Not the state the previous sink left ("stopped") until the new one says what it is doing.
  channel.status.set_state(EndpointState::kStarting);
  channel.type_ = plan.config->type;
  channel.sink_fingerprint_ = plan.config->sink_fingerprint;
  if (options_.loops.empty()) return {};
  size_t loop = size_t(std::min_element(sinks_per_loop_.begin(), sinks_per_loop_.end()) -
                       sinks_per_loop_.begin());
  SinkContext ctx{
      channel, plan.config,          *options_.loops[loop], options_.hostname, options_.challenges,
      {},      options_.destinations};
  std::unique_ptr<Sink> sink = options_.make_sink ? options_.make_sink(ctx) : nullptr;
  if (!sink) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("service \"{}\" endpoint \"{}\": type \"{}\" cannot run yet",
                             plan.service_id, plan.name(), plan.config->type));
  }
  channel.sink_ = std::move(sink);
  channel.loop_ = loop;
  ++sinks_per_loop_[loop];
  channel.sink_->start();
  return {};
}

void Topology::stop_sink(EndpointChannel& channel) {
  if (!channel.sink_) return;
  Sink* sink = channel.sink_.get();
  run_on_loop(options_.loops[channel.loop_], [sink] { sink->stop(); });
  channel.sink_.reset();
  --sinks_per_loop_[channel.loop_];
}

Result<ActivationReport> Topology::activate(const Config& config) {
  // Validate the whole version first: nothing changes unless all of it compiles.
  std::vector<std::shared_ptr<const EndpointPlan>> plans;
  std::vector<std::string> errors;
  for (const ServiceConfig& svc : config.services) {
    for (const EndpointConfig& ec : svc.endpoints) {
      auto plan = compile_endpoint_plan(svc, ec);
      if (plan) {
        plans.push_back(std::move(*plan));
      } else {
        errors.push_back(plan.error().message());
      }
    }
  }
  if (!errors.empty()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}", fmt::join(errors, "\n")));
  }

  std::lock_guard lock(mu_);
  if (stopped_) return Error(ErrorCode::kFailedPrecondition, "the engine is shutting down");
  std::shared_ptr<const RoutingTable> old_table = routes_.current();

  // Open the queues of new channels before touching anything, so that a failure (a disk queue
  // that cannot be opened) leaves the running version as it was.
  std::map<Key, std::shared_ptr<EndpointChannel>> opened;
  for (const auto& plan : plans) {
    Key key{plan->service_id, plan->name()};
    if (channels_.count(key) != 0) continue;
    auto channel = open_channel(*plan);
    if (!channel) {
      errors.push_back(channel.error().message());
      continue;
    }
    opened.emplace(key, std::move(*channel));
  }
  // Queues that cannot be opened: the disk (full, unwritable), not the version, is at fault.
  if (!errors.empty()) {
    return Error(ErrorCode::kUnavailable, fmt::format("{}", fmt::join(errors, "\n")));
  }

  ActivationReport report;
  report.generation = generation_ + 1;
  auto table = std::make_shared<RoutingTable>(report.generation, unknown_);
  for (const ServiceConfig& svc : config.services) table->add_service(svc.id, svc.max_line_bytes);
  std::map<Key, bool> wanted;
  std::vector<Key> order;
  for (const auto& plan : plans) {
    Key key{plan->service_id, plan->name()};
    std::string name = key_name(key.first, key.second);
    wanted[key] = true;
    order.push_back(key);
    auto it = channels_.find(key);
    if (it == channels_.end()) {
      Entry entry{opened.at(key)};
      if (Status st = start_sink(*entry.channel, *plan); !st)
        errors.push_back(st.error().message());
      it = channels_.emplace(key, std::move(entry)).first;
      report.added.push_back(name);
    } else {
      Entry& entry = it->second;
      EndpointChannel& channel = *entry.channel;
      if (entry.retiring) {
        // Removed by an earlier version and not yet closed: it comes back with its queue.
        entry.retiring = false;
        entry.draining = false;
        entry.deadline.reset();
        channel.refusing_.store(false, std::memory_order_relaxed);
        report.added.push_back(name);
      }
      bool sink_changed = channel.type_ != plan->config->type ||
                          channel.sink_fingerprint_ != plan->config->sink_fingerprint;
      if (sink_changed || !channel.sink_) {
        if (channel.sink_) report.restarted.push_back(name);
        stop_sink(channel);
        if (Status st = start_sink(channel, *plan); !st) errors.push_back(st.error().message());
      }
      if (old_table) {
        const ServiceRoutes* old_svc = old_table->service(key.first);
        const Route* old_route = old_svc ? old_svc->endpoint(key.second) : nullptr;
        if (old_route != nullptr) {
          if (plan_changed(*old_route->plan, *plan)) report.replanned.push_back(name);
          if (queue_settings_changed(*old_route->plan->config, *plan->config)) {
            report.notes.push_back(fmt::format(
                "{}: queue settings (queue_max_bytes, when_full, max_bytes, fsync, keep_acked) "
                "take effect at the next start",
                name));
          }
        }
      }
    }
    table->add(plan, it->second.channel);
  }
  for (auto& [key, entry] : channels_) {
    if (wanted.count(key) != 0 || entry.retiring) continue;
    entry.retiring = true;
    entry.retired_in = report.generation;
    report.removed.push_back(key_name(key.first, key.second));
  }

  // The swap: from here every new ingest batch is routed by this version.
  published_.push_back(table);
  routes_.publish(std::move(table));
  order_ = std::move(order);
  generation_ = report.generation;
  activated_at_ = std::chrono::system_clock::now();
  publish_view_locked();
  for (const std::string& e : errors) report.notes.push_back(e);
  return report;
}

void Topology::tick(std::chrono::steady_clock::time_point now, std::chrono::milliseconds grace) {
  std::lock_guard lock(mu_);
  bool changed = false;
  uint64_t oldest_live = generation_;
  std::erase_if(published_, [&](const std::weak_ptr<const RoutingTable>& weak) {
    auto table = weak.lock();
    if (table) oldest_live = std::min(oldest_live, table->generation());
    return !table;
  });
  for (auto it = channels_.begin(); it != channels_.end();) {
    Entry& entry = it->second;
    if (!entry.retiring) {
      ++it;
      continue;
    }
    if (!entry.deadline) entry.deadline = now + grace;
    bool past_grace = now >= *entry.deadline;
    if (!entry.draining) {
      // An ingest batch reaches a channel through the table it started with: once no table
      // older than the channel's retirement is held, no line can arrive any more.
      if (oldest_live < entry.retired_in) {
        if (past_grace && !entry.channel->refusing_lines()) {
          entry.channel->refuse_lines();
          log_warn(
              "service \"{}\" endpoint \"{}\" removed: ingest batches still waiting for room in "
              "its queue after the shutdown grace drop their lines for it (counted as "
              "endpoint_removed)",
              entry.channel->service_id, entry.channel->name());
        }
        ++it;
        continue;
      }
      entry.draining = true;
      if (entry.channel->sink_) entry.channel->sink_->flush();
    }
    QueueDepth d = entry.channel->queue->depth();
    if (d.lines > 0 && !past_grace) {
      ++it;
      continue;
    }
    close_retired(entry);
    it = channels_.erase(it);
    changed = true;
  }
  if (changed) publish_view_locked();
}

void Topology::close_retired(Entry& entry) {
  EndpointChannel& channel = *entry.channel;
  stop_sink(channel);
  QueueDepth d = channel.queue->depth();
  if (d.lines == 0) {
    log_info("service \"{}\" endpoint \"{}\" removed: everything delivered", channel.service_id,
             channel.name());
  } else if (channel.queue->durable()) {
    log_warn(
        "service \"{}\" endpoint \"{}\" removed: {} line(s), {} bytes not delivered "
        "within the shutdown grace; they stay on disk, and the endpoint sends them if it "
        "is added again",
        channel.service_id, channel.name(), d.lines, d.bytes);
  } else {
    log_warn(
        "service \"{}\" endpoint \"{}\" removed: {} line(s), {} bytes not delivered "
        "within the shutdown grace; they were in memory and are lost",
        channel.service_id, channel.name(), d.lines, d.bytes);
  }
}

std::shared_ptr<EndpointChannel> Topology::find_channel(const std::string& service,
                                                        const std::string& endpoint) const {
  std::lock_guard lock(mu_);
  auto it = channels_.find(Key{service, endpoint});
  return it == channels_.end() ? nullptr : it->second.channel;
}

std::vector<Topology::ChannelView> Topology::channels() const {
  return view_.load(std::memory_order_acquire)->channels;
}

void Topology::publish_view_locked() {
  auto view = std::make_shared<View>();
  view->generation = generation_;
  view->activated_at = activated_at_;
  view->channels.reserve(channels_.size());
  for (const Key& key : order_) {
    const Entry& e = channels_.at(key);
    view->channels.push_back(ChannelView{e.channel, e.channel->type_, false});
  }
  for (const auto& [key, e] : channels_) {
    if (e.retiring) view->channels.push_back(ChannelView{e.channel, e.channel->type_, true});
  }
  view_.store(std::move(view), std::memory_order_release);
}

void Topology::flush_all() {
  std::lock_guard lock(mu_);
  for (auto& [key, e] : channels_) {
    if (e.channel->sink_) e.channel->sink_->flush();
  }
}

void Topology::stop_all() {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  for (auto& [key, e] : channels_) stop_sink(*e.channel);
}

}  // namespace sluice

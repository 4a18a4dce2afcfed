#include "engine/engine.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include "core/fd_limit.h"
#include "core/log.h"
#include "core/usable_cpus.h"

#include "config/config_loader.h"
#include "control/api_exposure.h"
#include "control/host_check.h"
#include "net/destination_policy.h"
#include "net/listen_address.h"
#include "sinks/http/challenge_cache.h"
#include "sinks/sink.h"
#include "sinks/sink_type.h"

namespace sluice {
namespace {

// Raises the open-file limit and lowers the TCP sources' max_connections where their total
// would not fit under it with the reserve (core/fd_limit.h), saying so.
void fit_connections_to_fd_limit(Config& config) {
  uint64_t limit = raise_fd_limit();
  std::vector<SourceConfig*> tcp;
  std::vector<uint64_t> wanted;
  for (SourceConfig& s : config.sources) {
    if (s.type == SourceType::kStdin) continue;
    if (s.type == SourceType::kSyslog && s.transport == Transport::kUdp) continue;
    tcp.push_back(&s);
    wanted.push_back(s.max_connections);
  }
  std::vector<uint64_t> caps = fit_connection_caps(wanted, limit);
  for (size_t i = 0; i < tcp.size(); ++i) {
    if (caps[i] < wanted[i]) {
      log_warn(
          "source {}: max_connections {} lowered to {}: the open-file limit is {} "
          "(RLIMIT_NOFILE), {} of them kept for the API, queues and sinks",
          tcp[i]->listen.to_string(), wanted[i], caps[i], limit, kReservedFds);
      tcp[i]->max_connections = caps[i];
    }
  }
}

// The destination policy of [security], with sluice's own listening sockets refused. A
// listener's name that does not resolve is left out here: starting it fails with that error.
Result<std::shared_ptr<const DestinationPolicy>> make_destination_policy(const Config& config) {
  std::vector<OwnListener> own;
  auto add = [&own](const ListenAddress& listen, std::string what) {
    if (listen.port == 0) return;  // an ephemeral port is not known before it is bound
    if (auto address = resolve_listen_host(listen)) {
      own.push_back(OwnListener{*address, listen.port, std::move(what)});
    }
  };
  if (config.api.enabled) {
    add(config.api.listen, fmt::format("the API on {}", config.api.listen.to_string()));
  }
  for (size_t i = 0; i < config.sources.size(); ++i) {
    const SourceConfig& s = config.sources[i];
    if (s.type == SourceType::kStdin) continue;
    add(s.listen, fmt::format("source #{} on {}", i + 1, s.listen.to_string()));
  }
  auto policy = DestinationPolicy::create(config.security, std::move(own), this_host_addresses());
  if (!policy) return policy.error();
  return std::make_shared<const DestinationPolicy>(std::move(*policy));
}

std::string this_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The sections a running engine does not change: sources and the API keep their sockets,
// and the queues their storage.
std::vector<std::string> fixed_section_changes(const Config& running, const Config& next) {
  auto source_key = [](const SourceConfig& s) {
    return std::tie(s.type, s.listen.host, s.listen.port, s.transport, s.service, s.payload,
                    s.tls_cert, s.tls_key, s.max_body_bytes);
  };
  std::vector<std::string> changes;
  bool sources_same = running.sources.size() == next.sources.size();
  for (size_t i = 0; sources_same && i < next.sources.size(); ++i) {
    sources_same = source_key(running.sources[i]) == source_key(next.sources[i]);
  }
  if (!sources_same) changes.push_back("[[source]] changes take effect at the next start");
  if (running.api.enabled != next.api.enabled ||
      running.api.listen.to_string() != next.api.listen.to_string() ||
      running.api.allowed_hosts != next.api.allowed_hosts) {
    changes.push_back("[api] changes take effect at the next start");
  }
  if (running.security.allow_networks != next.security.allow_networks ||
      running.security.deny_networks != next.security.deny_networks) {
    changes.push_back("[security] changes take effect at the next start");
  }
  const StorageConfig& a = running.storage;
  const StorageConfig& b = next.storage;
  if (std::tie(a.dir, a.fsync, a.fsync_interval_seconds, a.segment_bytes, a.max_bytes,
               a.keep_acked) != std::tie(b.dir, b.fsync, b.fsync_interval_seconds, b.segment_bytes,
                                         b.max_bytes, b.keep_acked)) {
    changes.push_back("[storage] changes take effect at the next start");
  }
  if (running.delivery_threads != next.delivery_threads) {
    changes.push_back("delivery_threads takes effect at the next start");
  }
  if (running.body_budget != next.body_budget) {
    changes.push_back("body_budget takes effect at the next start");
  }
  return changes;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::start(Config config, std::string config_file) {
  // Block the shutdown and reload signals before any thread exists, so that every thread
  // inherits the mask and only run_until_signal() receives them. Broken connections must be
  // errors on the socket, not a signal that kills the process.
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<Engine> engine(new Engine());
  Engine& e = *engine;
  e.config_ = std::move(config);
  e.config_file_ = std::move(config_file);
  e.reloads_.set_file(e.config_file_);
  e.shutdown_grace_seconds_ = e.config_.shutdown_grace_seconds;
  set_log_level(e.config_.log_level);

  const unsigned cpus = usable_cpus();
  unsigned delivery_threads = e.config_.delivery_threads != 0 ? e.config_.delivery_threads : cpus;
  TopologyOptions options;
  for (unsigned i = 0; i < delivery_threads; ++i) {
    e.delivery_loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    options.loops.push_back(e.delivery_loops_.back().get());
  }
  options.hostname = this_hostname();
  options.challenges = std::make_shared<ChallengeCache>();
  options.storage = e.config_.storage;
  auto destinations = make_destination_policy(e.config_);
  if (!destinations) return destinations.error();
  options.destinations = std::move(*destinations);
  options.make_sink = [](SinkContext& ctx) -> std::unique_ptr<Sink> {
    const SinkType* type = find_sink_type(ctx.config->type);
    if (type == nullptr) return nullptr;
    ctx.limits = type->limits;
    return type->make(ctx);
  };
  e.topology_ = std::make_unique<Topology>(std::move(options));
  // The loops run before the first activation: activation waits on them to stop a sink.
  for (auto& loop : e.delivery_loops_) {
    e.work_.push_back(std::make_unique<WorkGuard>(loop->get_executor()));
    boost::asio::io_context* io = loop.get();
    e.threads_.emplace_back([io] { io->run(); });
  }
  auto activated = e.topology_->activate(e.config_);
  if (!activated) return activated.error();
  for (const std::string& note : activated->notes) log_info("{}", note);

  std::vector<boost::asio::io_context*> ingest;
  for (unsigned i = 0; i < cpus; ++i) {
    e.ingest_loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    ingest.push_back(e.ingest_loops_.back().get());
  }
  e.connection_loops_ = std::make_unique<LoopPicker>(std::move(ingest));
  boost::asio::io_context& first = *e.ingest_loops_.front();

  fit_connections_to_fd_limit(e.config_);
  e.body_budget_ = std::make_unique<BodyBudget>(e.config_.body_budget);
  std::vector<SourceInfo> source_infos;
  for (const SourceConfig& sc : e.config_.sources) {
    e.source_counters_.push_back(std::make_unique<SourceCounters>());
    auto source =
        make_source(SourceContext{sc, e.topology_->routes(), first, *e.source_counters_.back(),
                                  e.connection_loops_.get(), e.body_budget_.get()});
    if (!source) return source.error();
    if (Status st = (*source)->start(); !st) return st.error();
    source_infos.push_back(SourceInfo{(*source)->describe(), e.source_counters_.back().get()});
    e.sources_.push_back(std::move(*source));
  }

  if (e.config_.api.enabled) {
    const ApiConfig& ac = e.config_.api;
    // HttpServer::start resolves the address again to bind it: a name with several addresses
    // could bind another one than this, and then only that address as a Host literal is refused
    // (the name itself is answered).
    auto bound = resolve_listen_host(ac.listen);
    if (!bound) return Error(fmt::format("[api] listen: {}", bound.error().message()));
    auto hosts = HostCheck::create(ac.listen.host, bound->to_string(), ac.allowed_hosts);
    if (!hosts) return hosts.error();
    e.api_ = std::make_unique<Api>(*e.topology_, e.reloads_, std::move(source_infos),
                                   std::move(*hosts), e.body_budget_.get());
    Api* api = e.api_.get();
    HttpServerOptions options;
    options.connection_loops = e.connection_loops_.get();
    // Within the descriptors kept in reserve (core/fd_limit.h), so that a source at its cap
    // cannot starve /health.
    options.max_connections = kApiMaxConnections;
    options.name = "api";
    auto server = HttpServer::start(
        first, e.config_.api.listen, 64 * 1024,
        [api](HttpRequest& req) { return api->handle(req); }, options);
    if (!server) return Error(fmt::format("[api] listen: {}", server.error().message()));
    e.api_server_ = std::move(*server);
    if (auto warning = api_exposure_warning(ac, bound->to_string())) log_warn("{}", *warning);
  }

  for (auto& loop : e.ingest_loops_) {
    e.work_.push_back(std::make_unique<WorkGuard>(loop->get_executor()));
    boost::asio::io_context* io = loop.get();
    e.threads_.emplace_back([io] { io->run(); });
  }
  return engine;
}

Engine::~Engine() {
  shutdown();
}

std::chrono::milliseconds Engine::grace() const {
  return std::chrono::milliseconds(int64_t(shutdown_grace_seconds_ * 1000));
}

bool Engine::reload() {
  ReloadLog::Attempt attempt;
  attempt.at = std::chrono::system_clock::now();
  if (config_file_.empty()) {
    attempt.errors.push_back("sluice runs the embedded default configuration: no file to reload");
    log_info("SIGHUP: {}", attempt.errors.back());
    reloads_.record(std::move(attempt));
    return false;
  }
  auto next = load_config_file(config_file_);
  if (next) {
    for (std::string& change : fixed_section_changes(config_, *next)) {
      attempt.errors.push_back(std::move(change));
    }
  }
  Result<ActivationReport> report =
      next ? topology_->activate(*next) : Result<ActivationReport>(next.error());
  if (!report) {
    attempt.errors.clear();
    for (std::string_view line : split_lines(report.error().message())) {
      attempt.errors.emplace_back(line);
    }
    log_warn("reload of {} refused; the running configuration stays: {}", config_file_,
             fmt::join(attempt.errors, "; "));
    reloads_.record(std::move(attempt));
    return false;
  }
  shutdown_grace_seconds_ = next->shutdown_grace_seconds;
  set_log_level(next->log_level);
  for (std::string& note : report->notes) attempt.errors.push_back(std::move(note));
  log_info("reloaded {}: {}", config_file_, report->summary());
  for (const std::string& note : attempt.errors) log_info("note: {}", note);
  // The activated version's warnings, as `sluice check` prints them; /status keeps them with
  // the notes.
  for (const std::string& w : next->warnings) {
    log_warn("warning: {}", w);
    attempt.errors.push_back("warning: " + w);
  }
  attempt.activated = true;
  reloads_.record(std::move(attempt));
  return true;
}
std::vector<std::string> Engine::describe() const {
  std::vector<std::string> out;
  for (const auto& s : sources_) out.push_back(s->describe());
  if (api_server_) {
    out.push_back(fmt::format("api http://{}:{} (/metrics, /status, /errors)",
                              config_.api.listen.host, api_server_->port()));
  }
  return out;
}

int Engine::run_until_signal() {
  sigset_t signals = handled_signals();
  timespec tick{0, 100 * 1000 * 1000};
  while (true) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log_info("{} received, draining for up to {}s", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               shutdown_grace_seconds_);
      break;
    }
    if (sig == SIGHUP) reload();
    topology_->tick(std::chrono::steady_clock::now(), grace());
    bool all_finished = !sources_.empty();
    for (const auto& s : sources_) all_finished = all_finished && s->finished();
    if (all_finished) break;
  }
  shutdown();
  return 0;
}

void Engine::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& source : sources_) source->stop();
  if (api_server_) api_server_->stop();
  topology_->flush_all();

  auto deadline = std::chrono::steady_clock::now() + grace();
  while (std::chrono::steady_clock::now() < deadline) {
    uint64_t waiting = 0;
    for (const auto& view : topology_->channels()) waiting += view.channel->queue->depth().lines;
    if (waiting == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // Each sink stops on its own loop, so that no callback of its runs concurrently.
  topology_->stop_all();
  work_.clear();
  for (auto& loop : ingest_loops_) loop->stop();
  for (auto& loop : delivery_loops_) loop->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();

  for (const auto& view : topology_->channels()) {
    const EndpointChannel& e = *view.channel;
    QueueDepth d = e.queue->depth();
    if (d.lines > 0 && e.queue->storage_stats()) {
      log_warn(
          "service \"{}\" endpoint \"{}\": {} line(s), {} bytes not delivered "
          "before the shutdown grace ran out; they stay on disk for the next start",
          e.service_id, e.name(), d.lines, d.bytes);
    } else if (d.lines > 0) {
      log_warn(
          "service \"{}\" endpoint \"{}\": {} line(s), {} bytes not delivered before "
          "the shutdown grace ran out; they were in memory and are lost",
          e.service_id, e.name(), d.lines, d.bytes);
    }
  }
}

}  // namespace sluice

#include "engine/engine.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "engine/sink_factory.h"
#include "sinks/http/challenge_cache.h"

namespace sluice {
namespace {

std::string this_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::start(Config config) {
  // Block the shutdown signals before any thread exists, so that every thread inherits the
  // mask and only run_until_signal() receives them. Broken connections must be errors on the
  // socket, not a signal that kills the process.
  sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<Engine> engine(new Engine());
  Engine& e = *engine;
  e.config_ = std::move(config);
  auto router = Router::build(e.config_);
  if (!router) return router.error();
  e.router_ = std::move(*router);
  // What recovery of the disk queues found: operators want to know about damage at once.
  for (const auto& endpoint : e.router_->endpoints()) {
    auto st = endpoint->queue->storage_stats();
    if (!st) continue;
    QueueDepth d = endpoint->queue->depth();
    fmt::print(stderr,
               "sluice: service \"{}\" endpoint \"{}\": disk queue: {} line(s), {} bytes "
               "recovered; torn records cut off: {}; corrupt records skipped: {} ({} bytes)\n",
               endpoint->service_id, endpoint->name(), d.lines, d.bytes, st->recovered_torn_records,
               st->corrupt_records_skipped, st->corrupt_bytes_skipped);
  }

  std::string hostname = this_hostname();
  auto challenges = std::make_shared<ChallengeCache>();
  for (const auto& endpoint : e.router_->endpoints()) {
    auto ctx =
        std::make_unique<SinkContext>(SinkContext{*endpoint, e.delivery_io_, hostname, challenges});
    std::unique_ptr<Sink> sink = make_sink(*ctx);
    if (!sink) {
      return Error(fmt::format("service \"{}\" endpoint \"{}\": type \"{}\" cannot run yet",
                               endpoint->service_id, endpoint->name(), endpoint->config->type));
    }
    e.sink_contexts_.push_back(std::move(ctx));
    e.sinks_.push_back(std::move(sink));
  }

  std::vector<SourceInfo> source_infos;
  for (const SourceConfig& sc : e.config_.sources) {
    e.source_counters_.push_back(std::make_unique<SourceCounters>());
    auto source =
        make_source(SourceContext{sc, *e.router_, e.ingest_io_, *e.source_counters_.back()});
    if (!source) return source.error();
    if (Status st = (*source)->start(); !st) return st.error();
    source_infos.push_back(SourceInfo{(*source)->describe(), e.source_counters_.back().get()});
    e.sources_.push_back(std::move(*source));
  }

  e.api_ = std::make_unique<Api>(*e.router_, std::move(source_infos));
  if (e.config_.api.enabled) {
    Api* api = e.api_.get();
    auto server = HttpServer::start(e.ingest_io_, e.config_.api.listen, 64 * 1024,
                                    [api](HttpRequest& req) { return api->handle(req); });
    if (!server) return Error(fmt::format("[api] listen: {}", server.error().message()));
    e.api_server_ = std::move(*server);
  }

  for (auto& sink : e.sinks_) sink->start();
  e.ingest_work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          e.ingest_io_.get_executor());
  e.delivery_work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          e.delivery_io_.get_executor());
  unsigned ingest_threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < ingest_threads; ++i)
    e.threads_.emplace_back([&e] { e.ingest_io_.run(); });
  e.threads_.emplace_back([&e] { e.delivery_io_.run(); });
  return engine;
}

Engine::~Engine() {
  shutdown();
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
  sigset_t signals = shutdown_signals();
  timespec tick{0, 100 * 1000 * 1000};
  while (true) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      fmt::print(stderr, "sluice: {} received, draining for up to {}s\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", config_.shutdown_grace_seconds);
      break;
    }
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
  for (auto& sink : sinks_) sink->flush();

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(int64_t(config_.shutdown_grace_seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    uint64_t waiting = 0;
    for (const auto& e : router_->endpoints()) waiting += e->queue->depth().lines;
    if (waiting == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // Sinks stop on their own loop, so that no callback of theirs runs concurrently.
  std::promise<void> sinks_stopped;
  boost::asio::post(delivery_io_, [this, &sinks_stopped] {
    for (auto& sink : sinks_) sink->stop();
    sinks_stopped.set_value();
  });
  if (!threads_.empty()) sinks_stopped.get_future().wait();
  ingest_work_.reset();
  delivery_work_.reset();
  ingest_io_.stop();
  delivery_io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();

  for (const auto& e : router_->endpoints()) {
    QueueDepth d = e->queue->depth();
    if (d.lines > 0 && e->queue->storage_stats()) {
      fmt::print(stderr,
                 "sluice: service \"{}\" endpoint \"{}\": {} line(s), {} bytes not delivered "
                 "before the shutdown grace ran out; they stay on disk for the next start\n",
                 e->service_id, e->name(), d.lines, d.bytes);
    } else if (d.lines > 0) {
      fmt::print(
          stderr,
          "sluice: service \"{}\" endpoint \"{}\": {} line(s), {} bytes not delivered before "
          "the shutdown grace ran out; they were in memory and are lost\n",
          e->service_id, e->name(), d.lines, d.bytes);
    }
  }
}

}  // namespace sluice

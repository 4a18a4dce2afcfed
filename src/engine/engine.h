#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "control/api.h"
#include "control/reload_log.h"
#include "core/result.h"
#include "net/http_server.h"
#include "net/loop_picker.h"
#include "sources/source.h"
#include "topology/topology.h"

namespace sluice {

// A running sluice: sources on the ingest loops (one thread per core), sinks spread over the
// delivery loops (one thread each, one per core by default), the API beside the sources. The
// services run as a Topology, which a reload replaces version by version.
class Engine {
 public:
  // Builds everything and binds every port; an address in use fails here, naming it.
  // `config_file` is what reload() reads again; empty for a configuration given as text.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> start(Config config,
                                                             std::string config_file = "");
  ~Engine();

  // What is listening, for the startup banner.
  [[nodiscard]] std::vector<std::string> describe() const;
  [[nodiscard]] uint16_t api_port() const { return api_server_ ? api_server_->port() : 0; }

  // Reads the configuration file again and activates its services live. A file that fails
  // validation is refused with every error (on stderr and in /status) and the running version
  // stays. Sources, [api] and [storage] are fixed at start: changes to them are reported and
  // take effect at the next start. Returns whether the file was activated.
  bool reload();

  // Blocks until SIGTERM or SIGINT, reloading on SIGHUP, then shuts down as shutdown() does.
  // Returns 0.
  int run_until_signal();
  // Stops the sources, gives the sinks until shutdown_grace to deliver what is queued, stops,
  // and reports per endpoint what was left undelivered. Idempotent.
  void shutdown();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  Engine() = default;
  [[nodiscard]] std::chrono::milliseconds grace() const;

  Config config_;  // the sources, [api] and [storage] of the start; the services of the start
  std::string config_file_;
  ReloadLog reloads_;
  // Shared by the HTTP sources. Declared before the loops: a connection that a loop's
  // destruction frees gives its body's share back to it.
  std::unique_ptr<BodyBudget> body_budget_;
  // The ingest loops: one io_context and thread each (net/loop_picker.h). The first also runs
  // the listeners, the sources' timers and the API.
  std::vector<std::unique_ptr<boost::asio::io_context>> ingest_loops_;
  std::unique_ptr<LoopPicker> connection_loops_;
  std::vector<std::unique_ptr<boost::asio::io_context>> delivery_loops_;
  std::vector<std::unique_ptr<WorkGuard>> work_;
  std::vector<std::thread> threads_;
  std::unique_ptr<Topology> topology_;
  std::vector<std::unique_ptr<SourceCounters>> source_counters_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> api_server_;
  double shutdown_grace_seconds_ = 10;
  bool stopped_ = false;
};

}  // namespace sluice

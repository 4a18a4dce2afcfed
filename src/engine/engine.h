#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "control/api.h"
#include "core/result.h"
#include "net/http_server.h"
#include "route/router.h"
#include "sinks/sink.h"
#include "sources/source.h"

namespace sluice {

// A running sluice: sources on the ingest loops (one thread per core), sinks on the delivery
// loop, the API beside the sources. Built from a validated Config, which it owns.
class Engine {
 public:
  // Builds everything and binds every port; an address in use fails here, naming it.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> start(Config config);
  ~Engine();

  // What is listening, for the startup banner.
  [[nodiscard]] std::vector<std::string> describe() const;
  [[nodiscard]] uint16_t api_port() const { return api_server_ ? api_server_->port() : 0; }

  // Blocks until SIGTERM or SIGINT, then shuts down as shutdown() does. Returns 0.
  int run_until_signal();
  // Stops the sources, gives the sinks until shutdown_grace to deliver what is queued, stops,
  // and reports per endpoint what was left undelivered. Idempotent.
  void shutdown();

 private:
  Engine() = default;

  Config config_;
  std::unique_ptr<Router> router_;
  boost::asio::io_context ingest_io_;
  boost::asio::io_context delivery_io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      ingest_work_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      delivery_work_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<SinkContext>> sink_contexts_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::vector<std::unique_ptr<SourceCounters>> source_counters_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> api_server_;
  bool stopped_ = false;
};

}  // namespace sluice

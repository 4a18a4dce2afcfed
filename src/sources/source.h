#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "core/result.h"
#include "core/source_counters.h"
#include "net/body_budget.h"
#include "net/loop_picker.h"
#include "topology/routing_table.h"

namespace sluice {

struct SourceContext {
  const SourceConfig& config;
  const ActiveRoutes& routes;   // the routing table of the active configuration
  boost::asio::io_context& io;  // the source's own loop: listeners, timers, UDP
  SourceCounters& counters;
  // Where accepted connections run (the ingest loops); nullptr: on `io`.
  LoopPicker* connection_loops = nullptr;
  // The process's budget for HTTP bodies in progress (body_budget), shared by every HTTP
  // source; nullptr: none. Outlives the source.
  BodyBudget* body_budget = nullptr;
};

// A listener that feeds IngestSessions. start() binds (so a port in use is reported at once);
// stop() closes listeners and connections; in-flight batches are flushed before it returns.
class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual Status start() = 0;
  virtual void stop() = 0;
  // For the startup banner: "syslog tcp 127.0.0.1:5140".
  [[nodiscard]] virtual std::string describe() const = 0;
  // True once the source has nothing more to give (stdin at end of file, with everything it
  // read flushed). When every source is finished the engine drains and exits, like a pipeline.
  [[nodiscard]] virtual bool finished() const { return false; }
};

// Builds the source for ctx.config.type. Defined in sources/source_factory.cc.
[[nodiscard]] Result<std::unique_ptr<Source>> make_source(SourceContext ctx);

}  // namespace sluice

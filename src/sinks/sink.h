#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "config/config.h"
#include "delivery/batch_limits.h"
#include "topology/endpoint_channel.h"

namespace sluice {

class ChallengeCache;
class DestinationPolicy;

// What a sink is given: its endpoint's channel (queue, counters, status), the configuration it
// runs (type settings, message_type; shared, so the sink keeps it alive as long as it needs it)
// and the event loop its I/O runs on. The channel and the loop outlive the sink; the context
// itself is only read during construction.
struct SinkContext {
  EndpointChannel& endpoint;
  std::shared_ptr<const EndpointConfig> config;
  boost::asio::io_context& io;
  std::string hostname;  // this machine's name, for syslog framing
  // The engine's one domain-ownership cache, shared by its HTTP-based sinks so that an origin is
  // asked once, not once per endpoint. nullptr: the sink keeps a cache of its own.
  std::shared_ptr<ChallengeCache> challenges = nullptr;
  // The endpoint type's hard limits (SinkType::limits), which clamp its batch settings.
  SinkLimits limits = {};
  // The addresses the sink may connect to: checked on every address it resolves, before the
  // connection is made (net/destination_policy.h). nullptr: any address (tests).
  std::shared_ptr<const DestinationPolicy> destinations = nullptr;
};

// A running destination. A sink takes lines from its endpoint's queue, sends them, and acks
// them only once the destination has them (or nacks them to retry). It does all its work on
// ctx.io, so a slow destination never holds up the ingest threads.
class Sink {
 public:
  virtual ~Sink() = default;
  // Starts pulling from the queue. Called once, from any thread.
  virtual void start() = 0;
  // Sends what is buffered now instead of waiting for the batch period (shutdown drains).
  virtual void flush() = 0;
  // Stops; lines not yet acknowledged stay in the queue. Called on the sink's io thread
  // after the loop has been asked to stop, or after io has stopped running.
  virtual void stop() = 0;
};

// A Sink whose work lives in a core that its own callbacks keep alive (shared_from_this), so
// that the core outlives the Sink while a completion is still queued on the io_context. The
// Sink only forwards, and stops the core when it goes.
template <typename Core>
class SharedCoreSink final : public Sink {
 public:
  explicit SharedCoreSink(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  ~SharedCoreSink() override { core_->stop(); }
  void start() override { core_->start(); }
  void flush() override { core_->flush(); }
  void stop() override { core_->stop(); }

 private:
  std::shared_ptr<Core> core_;
};

// Has `core` pump on `executor` (its strand) when lines arrive in `queue`. Producers on several
// threads may signal every batch; `posted` (a member of the core) coalesces them into one
// pending pump. The callback holds a weak pointer: it never keeps a stopped core alive.
template <typename Core, typename Executor>
void pump_when_lines_arrive(EndpointQueue& queue, std::weak_ptr<Core> core, Executor executor,
                            std::atomic<bool> Core::*posted, void (Core::*pump)()) {
  queue.set_data_callback([core = std::move(core), executor, posted, pump] {
    auto self = core.lock();
    if (!self || ((*self).*posted).exchange(true)) return;
    boost::asio::post(executor, [self, posted, pump] {
      (*self).*posted = false;
      ((*self).*pump)();
    });
  });
}

// The factory every such sink has: the endpoint's settings as the sink's own type, or nullptr
// when the engine hands it an endpoint of another type.
template <typename Core, typename Settings, typename Options>
std::unique_ptr<Sink> make_shared_core_sink(SinkContext& ctx, const Options& options) {
  const auto* settings = dynamic_cast<const Settings*>(ctx.config->settings.get());
  if (settings == nullptr) return nullptr;
  return std::make_unique<SharedCoreSink<Core>>(std::make_shared<Core>(ctx, *settings, options));
}

}  // namespace sluice

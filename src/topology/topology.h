#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "core/result.h"
#include "topology/endpoint_channel.h"
#include "topology/routing_table.h"

namespace sluice {

class ChallengeCache;
class Sink;
struct SinkContext;
class DestinationPolicy;

// What an activation changed, by "service/endpoint".
struct ActivationReport {
  uint64_t generation = 0;
  std::vector<std::string> added;      // new channels (or re-added while still retiring)
  std::vector<std::string> removed;    // retiring: no new lines; they drain, then close
  std::vector<std::string> restarted;  // type settings changed: the sink was rebuilt
  std::vector<std::string> replanned;  // format, condition or line rules changed; sink kept
  std::vector<std::string> notes;      // changes that take effect only at the next start
  [[nodiscard]] std::string summary() const;
};

struct TopologyOptions {
  // The delivery loops sinks run on, one thread each; a channel's sink is placed on the loop with
  // the fewest sinks. Empty: no sink is started (tests of routing alone).
  std::vector<boost::asio::io_context*> loops;
  std::string hostname;                        // for syslog framing
  std::shared_ptr<ChallengeCache> challenges;  // shared by the HTTP-based sinks
  StorageConfig storage;                       // where disk queues live; fixed for the process
  // The addresses sinks may connect to ([security]); fixed for the process. nullptr: any.
  std::shared_ptr<const DestinationPolicy> destinations;
  // The running sink for an endpoint's type (the type registry's factory); nullptr: the type
  // cannot run.
  std::function<std::unique_ptr<Sink>(SinkContext&)> make_sink;
};

// The running endpoints of an engine, across configuration versions (DESIGN "Configuration
// lifetime: plans and channels"). activate() validates a whole version, diffs it against the
// running one, keeps the channels of endpoints that still exist, restarts a sink only where its
// type settings changed, starts new channels, retires removed ones, and then swaps the routing
// table that ingest reads once per batch. Thread-safe.
class Topology {
 public:
  explicit Topology(TopologyOptions options);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Activates the services of `config`. On error nothing changed, and the message lists every
  // problem found (compiling the plans, opening new queues, a type that cannot run).
  [[nodiscard]] Result<ActivationReport> activate(const Config& config);

  [[nodiscard]] const ActiveRoutes& routes() const { return routes_; }
  [[nodiscard]] uint64_t generation() const;
  [[nodiscard]] std::chrono::system_clock::time_point activated_at() const;

  // Moves retirements on: a removed channel starts draining once no ingest batch can still
  // reach it, and closes once its queue is empty or `grace` has passed since its removal was
  // first seen here. A batch still waiting for room in it at that point has its lines for it
  // dropped and counted (endpoint_removed), so that it finishes. What is left in the queue is
  // reported: on disk it stays for a later start or a re-added endpoint; in memory it is lost.
  void tick(std::chrono::steady_clock::time_point now, std::chrono::milliseconds grace);

  struct ChannelView {
    std::shared_ptr<EndpointChannel> channel;
    std::string type;
    bool retiring = false;
  };
  // The channel of (service, endpoint), active or retiring; nullptr when there is none.
  [[nodiscard]] std::shared_ptr<EndpointChannel> find_channel(const std::string& service,
                                                              const std::string& endpoint) const;
  // Every channel, the active ones in configuration order, then the retiring ones.
  [[nodiscard]] std::vector<ChannelView> channels() const;
  [[nodiscard]] std::map<std::pair<std::string, std::string>, uint64_t> unknown_counts() const {
    return unknown_->counts();
  }

  // Shutdown: asks every sink to send what it holds now.
  void flush_all();
  // Shutdown: stops every sink on its loop (or directly, once the loops stopped). Lines not yet
  // acknowledged stay in their queues. Idempotent.
  void stop_all();

 private:
  struct Entry {
    std::shared_ptr<EndpointChannel> channel;
    bool retiring = false;
    uint64_t retired_in = 0;  // the first generation without it
    bool draining = false;    // retiring, and no ingest batch can reach it any more
    // Set at the first tick after retirement: shutdown_grace from then on, whether or not an
    // ingest batch still holds it.
    std::optional<std::chrono::steady_clock::time_point> deadline;
  };
  using Key = std::pair<std::string, std::string>;  // (service id, endpoint name)

  // What the API reads (channels(), generation(), activated_at()): published whole after each
  // change, so that a reader never waits on mu_, which activate() and tick() hold while they
  // stop sinks and open queues.
  struct View {
    uint64_t generation = 0;
    std::chrono::system_clock::time_point activated_at;
    std::vector<ChannelView> channels;
  };
  void publish_view_locked();

  [[nodiscard]] Result<std::shared_ptr<EndpointChannel>> open_channel(const EndpointPlan& plan);
  [[nodiscard]] Status start_sink(EndpointChannel& channel, const EndpointPlan& plan);
  void stop_sink(EndpointChannel& channel);
  void close_retired(Entry& entry);

  TopologyOptions options_;
  ActiveRoutes routes_;
  std::shared_ptr<UnknownEndpoints> unknown_ = std::make_shared<UnknownEndpoints>();
  mutable std::mutex mu_;
  std::map<Key, Entry> channels_;
  std::vector<Key> order_;  // the active channels in configuration order
  std::vector<size_t> sinks_per_loop_;
  // Every table published and still held (by the ActiveRoutes or by an ingest batch): a retired
  // channel is reachable while a table older than its retirement lives.
  std::vector<std::weak_ptr<const RoutingTable>> published_;
  uint64_t generation_ = 0;
  std::chrono::system_clock::time_point activated_at_;
  std::atomic<std::shared_ptr<const View>> view_{std::make_shared<const View>()};
  bool stopped_ = false;
};

}  // namespace sluice

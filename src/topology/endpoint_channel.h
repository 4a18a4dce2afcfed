#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "queue/endpoint_queue.h"
#include "topology/endpoint_counters.h"
#include "topology/endpoint_status.h"

namespace sluice {

class Sink;

// What of an endpoint outlives a configuration version (DESIGN "Configuration lifetime"): its
// queue, counters, status and running sink, keyed by (service id, endpoint name). Sinks and
// ingest see only this; what a version decides (format, condition, type settings) is the
// EndpointPlan. Queue, counters and status are thread-safe; the sink is managed by Topology.
class EndpointChannel {
 public:
  // Defined where Sink is complete (the unique_ptr below needs it).
  EndpointChannel(std::string service_id, std::string name, std::unique_ptr<EndpointQueue> queue);
  EndpointChannel(const EndpointChannel&) = delete;
  EndpointChannel& operator=(const EndpointChannel&) = delete;
  ~EndpointChannel();

  const std::string service_id;
  const std::unique_ptr<EndpointQueue> queue;
  EndpointCounters counters;
  EndpointStatus status;

  [[nodiscard]] const std::string& name() const { return name_; }

  // A removed endpoint whose last batches could not be queued within the shutdown grace (its
  // queue full and blocking): ingest counts them as dropped instead of waiting for room, so the
  // batches finish and the old version can go.
  void refuse_lines() { refusing_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool refusing_lines() const { return refusing_.load(std::memory_order_relaxed); }

 private:
  friend class Topology;

  std::string name_;
  std::atomic<bool> refusing_{false};
  // Set and read by Topology only, under its lock.
  std::string type_;
  std::string sink_fingerprint_;  // what the running sink was built from (EndpointPlan)
  std::unique_ptr<Sink> sink_;
  size_t loop_ = 0;  // the delivery loop the sink runs on
};

}  // namespace sluice

#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "route/endpoint_state.h"

namespace sluice {

// What a sink is given: its endpoint (config, queue, counters, status) and the event loop its
// I/O runs on. Both outlive the sink.
struct SinkContext {
  EndpointRuntime& endpoint;
  boost::asio::io_context& io;
  std::string hostname;     // this machine's name, for syslog framing
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

}  // namespace sluice

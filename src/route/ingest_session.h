#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/record_decoder.h"
#include "core/result.h"
#include "format/eval_context.h"
#include "queue/line_batch.h"
#include "route/router.h"

namespace sluice {

// Turns messages from one source connection (or one HTTP request) into lines in endpoint
// queues. Not thread-safe: each connection owns one and uses it on its own thread.
//
// Messages are decoded once, rendered for every endpoint that wants them, and collected in
// per-endpoint batches; flush() hands the batches to the queues, one lock per batch.
class IngestSession {
 public:
  // `default_service`: the service for request records; may be empty for sources that only
  // carry log statements or name the service themselves.
  IngestSession(Router& router, std::string default_service, PayloadKind payload);

  // One message payload, already stripped of any syslog header: a log statement
  // (`syslog <sid> <name> :: msg`) or a JSON request record for the default service, as
  // `payload` decides. The error says why a message was rejected; rejected messages are also
  // counted by the caller.
  [[nodiscard]] Status submit(std::string_view payload);
  [[nodiscard]] Status submit_record(std::string_view json, std::string_view service_id);
  [[nodiscard]] Status submit_log_statement(std::string_view text);

  // Pushes pending lines into the queues. Returns false when a queue with when_full = block
  // is full: the remaining lines stay pending, and the caller should stop reading and call
  // flush() again shortly. Drop policies never return false.
  [[nodiscard]] bool flush();
  [[nodiscard]] bool has_pending() const { return pending_lines_ > 0; }
  // Some pending line waits for a durable (disk) queue: not yet safe to acknowledge.
  [[nodiscard]] bool pending_for_durable_queue() const;

  // Calls `done` once every line this session pushed since the last call is durable at its
  // queue's level (EndpointQueue::when_durable): at once for memory queues; with fsync = always,
  // later, from a disk queue's flusher thread. The session may be reused meanwhile.
  void when_durable(std::function<void()> done);

 private:
  void queue_line(EndpointRuntime& endpoint, std::string_view line);
  // Renders the endpoint's key (if it has a key format) and its separator into line_; returns
  // where the line starts.
  size_t render_key(const EndpointRuntime& endpoint, const Record& record);

  Router& router_;
  std::string default_service_;
  PayloadKind payload_;
  RecordDecoder decoder_;
  Record record_;
  Record no_record_;  // stays empty: what log statements render keys from
  EvalContext ctx_;
  LineBuffer line_;
  std::vector<LineBatch> pending_;  // by EndpointRuntime::index
  std::vector<uint8_t> pushed_;     // by index: lines pushed since the last when_durable()
  size_t pending_lines_ = 0;
};

}  // namespace sluice

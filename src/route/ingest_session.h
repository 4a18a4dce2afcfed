#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/record_decoder.h"
#include "core/result.h"
#include "format/eval_context.h"
#include "queue/line_batch.h"
#include "topology/routing_table.h"

namespace sluice {

// Turns messages from one source connection (or one HTTP request) into lines in endpoint
// queues. Not thread-safe: each connection owns one and uses it on its own thread.
//
// Messages are decoded once, rendered for every endpoint that wants them, and collected in
// per-endpoint batches; flush() hands the batches to the queues, one lock per batch.
//
// A batch (what is submitted between two flushes that emptied the session) is routed by one
// configuration version: the session reads the active routing table at the batch's first
// message and keeps it until the batch is all queued, then lets it go, so that a removed
// endpoint can drain and close once no session holds it.
class IngestSession {
 public:
  // `default_service`: the service for request records; may be empty for sources that only
  // carry log statements or name the service themselves.
  // `answers_batches`: the caller answers for each batch (HTTP ingest). The session then
  // remembers the queues it pushed to until when_durable(), and which messages a queue's drop
  // policy dropped (take_dropped_messages()).
  IngestSession(const ActiveRoutes& routes, std::string default_service, PayloadKind payload,
                bool answers_batches = false);

  // One message payload, already stripped of any syslog header: a log statement
  // (`syslog <sid> <name> :: msg`) or a JSON request record for the default service, as
  // `payload` decides. The error says why a message was rejected; rejected messages are also
  // counted by the caller.
  // `cut`: the source had to cut the message already (a frame longer than its framer keeps).
  // Its line then counts as cut at the length limit even when what is left fits the endpoint's
  // limit, as it can when a long syslog header took part of the frame. (A cut JSON record does
  // not decode and is rejected instead.)
  [[nodiscard]] Status submit(std::string_view payload, bool cut = false);
  [[nodiscard]] Status submit_record(std::string_view json, std::string_view service_id);
  [[nodiscard]] Status submit_log_statement(std::string_view text, bool cut = false);
  // A line for one endpoint, delivered as it is (what a log statement carries after "::").
  [[nodiscard]] Status submit_line(std::string_view service_id, std::string_view endpoint,
                                   std::string_view message, bool cut = false);

  // Pushes pending lines into the queues. Returns false when a queue with when_full = block
  // is full: the remaining lines stay pending, and the caller should stop reading and call
  // flush() again shortly. Drop policies never return false.
  [[nodiscard]] bool flush();
  [[nodiscard]] bool has_pending() const { return pending_lines_ > 0; }
  // The version routing the current batch; 0 between batches.
  [[nodiscard]] uint64_t generation() const { return table_ ? table_->generation() : 0; }
  // Some pending line waits for a durable (disk) queue: not yet safe to acknowledge.
  [[nodiscard]] bool pending_for_durable_queue() const;

  // Calls `done` once every line this session pushed since the last call is durable at its
  // queue's level (EndpointQueue::when_durable): at once for memory queues; with fsync = always,
  // later, from a disk queue's flusher thread. The session may be reused meanwhile.
  void when_durable(std::function<void()> done);

  // How many of the messages submitted since the last call had a line dropped on the way into
  // a queue (a drop policy, or an endpoint removed by a reload), and so were not accepted. A
  // message that renders lines for several endpoints counts once. Only with `answers_batches`.
  // Also counts across the early flushes of one request (flush_early).
  [[nodiscard]] size_t take_dropped_messages();

 private:
  // The table of the current batch, read at its first message.
  const RoutingTable& table();
  void queue_line(const Route& route, std::string_view line);
  // Flushes before the next message once kEarlyFlushBytes are pending, so that a large request
  // body moves into the queues in steps, as a stream source's reads do, instead of piling up
  // whole: its batches then stay small enough to be reused rather than allocated (and faulted
  // in) for every request. Called between messages only, where no route of the table is held.
  void flush_early();
  // Renders the endpoint's key (if it has a key format) and its separator into line_; returns
  // where the line starts.
  size_t render_key(const EndpointPlan& plan, const Record& record);

  // Lines of the current batch for one endpoint.
  struct Pending {
    const Route* route = nullptr;
    LineBatch lines;
    std::vector<uint32_t> messages;  // answers_batches_: the message of each line, in order
  };
  // Lines [first, lines.size()) of `p` were dropped: remember their messages.
  void note_dropped(const Pending& p, size_t first);

  const ActiveRoutes& routes_;
  std::shared_ptr<const RoutingTable> table_;
  std::string default_service_;
  PayloadKind payload_;
  bool answers_batches_;
  uint32_t message_ = 0;  // ordinal of the message being submitted
  std::vector<uint32_t> dropped_messages_;
  RecordDecoder decoder_;
  Record record_;
  Record no_record_;  // stays empty: what log statements render keys from
  EvalContext ctx_;
  LineBuffer line_;
  // The endpoints this batch touched, in pending_[0, used_); entries past used_ keep their
  // buffers for the next batches. A batch touches only the endpoints it routes to.
  std::vector<Pending> pending_;
  size_t used_ = 0;
  std::vector<int32_t> slot_to_pending_;  // by Route::slot; -1: not touched by this batch
  // Channels that took lines since the last when_durable(), held so they stay valid.
  std::vector<std::shared_ptr<EndpointChannel>> pushed_;
  size_t pending_lines_ = 0;
  size_t pending_bytes_ = 0;
  static constexpr size_t kEarlyFlushBytes = 1 << 20;
  size_t early_flush_at_ = kEarlyFlushBytes;
};

}  // namespace sluice

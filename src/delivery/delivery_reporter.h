#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "delivery/dead_letter.h"
#include "delivery/lease_ledger.h"
#include "topology/endpoint_channel.h"

namespace sluice {

// What a sink tells the world about its deliveries, in one place: the endpoint's counters, its
// error stream and state in /status, and the dead letter. Single-threaded (the sink's strand);
// the counters and status it writes are thread-safe for their readers.
class DeliveryReporter {
 public:
  explicit DeliveryReporter(EndpointChannel& endpoint)
      : endpoint_(endpoint),
        state_(endpoint.status),
        stderr_letter_(endpoint.service_id, endpoint.name()) {}

  // `lines` (of `bytes`) reached the destination.
  void delivered(size_t lines, uint64_t bytes);
  // A request of `lines` failed and will be sent again.
  void retrying(size_t lines, ErrorClass error_class, std::string message);
  // `lines` will be sent again, with no error to report (the destination's rate limit).
  void retried(size_t lines);
  // `lines` waited longer than the endpoint allows (record_ttl) and are dropped, counted.
  void expired(size_t lines);
  // An error that is not about particular lines (a challenge, a credential, a listing).
  void error(ErrorClass error_class, std::string message);
  void requests_in_flight(size_t n);
  void set_state(EndpointState state) { state_.set(state); }
  [[nodiscard]] EndpointState state() const { return state_.get(); }

  // Lines the destination refused for good go where the queue keeps them: a disk queue's
  // dead-letter segments (`sluice queue inspect`, `replay --dead-letter`), or stderr after a
  // header naming the endpoint and the reason. Counted as dropped (permanent_error), with one
  // permanent error in the stream. The caller still finishes them in the ledger.
  void dead_letter(const LeaseLedger& ledger, std::span<const LineRange> ranges,
                   std::string_view reason);

  [[nodiscard]] EndpointChannel& endpoint() { return endpoint_; }

 private:
  EndpointChannel& endpoint_;
  SinkState state_;
  DeadLetter stderr_letter_;
};

}  // namespace sluice

#include "delivery/delivery_reporter.h"

#include <vector>

#include <fmt/format.h>

namespace sluice {

void DeliveryReporter::delivered(size_t lines, uint64_t bytes) {
  auto& c = endpoint_.counters;
  c.delivered.fetch_add(lines, std::memory_order_relaxed);
  c.delivered_bytes.fetch_add(bytes, std::memory_order_relaxed);
  endpoint_.status.record_success();
}

void DeliveryReporter::retrying(size_t lines, ErrorClass error_class, std::string message) {
  retried(lines);
  error(error_class, std::move(message));
}

void DeliveryReporter::retried(size_t lines) {
  endpoint_.counters.retried.fetch_add(lines, std::memory_order_relaxed);
}

void DeliveryReporter::error(ErrorClass error_class, std::string message) {
  endpoint_.counters.errors[size_t(error_class)].fetch_add(1, std::memory_order_relaxed);
  endpoint_.status.record_error(error_class, std::move(message));
}

void DeliveryReporter::expired(size_t lines) {
  endpoint_.counters.dropped[size_t(DropReason::kExpired)].fetch_add(lines,
                                                                     std::memory_order_relaxed);
}

void DeliveryReporter::requests_in_flight(size_t n) {
  endpoint_.counters.requests_in_flight.store(n, std::memory_order_relaxed);
}

void DeliveryReporter::dead_letter(const LeaseLedger& ledger, std::span<const LineRange> ranges,
                                   std::string_view reason) {
  size_t lines = 0;
  for (const LineRange& r : ranges) lines += r.count;
  std::string_view where = "stderr";
  EndpointQueue& queue = *endpoint_.queue;
  if (queue.durable()) {
    for (const LineRange& r : ranges) queue.dead_letter(ledger.lease(r.lease), r.first, r.count);
    where = "the disk queue's dead-letter segments";
  } else {
    LineBatch refused;
    for (const LineRange& r : ranges) {
      const LineBatch& batch = ledger.lines(r.lease);
      for (uint32_t i = r.first; i < r.first + r.count; ++i) refused.add(batch.line(i));
    }
    const LineBatch* batches[] = {&refused};
    stderr_letter_.write(batches, reason);
  }
  endpoint_.counters.dropped[size_t(DropReason::kPermanentError)].fetch_add(
      lines, std::memory_order_relaxed);
  error(ErrorClass::kPermanent,
        fmt::format("{}; {} line(s) written to the dead letter ({})", reason, lines, where));
}

}  // namespace sluice

#pragma once

#include <span>
#include <string>
#include <string_view>

#include "queue/line_batch.h"

namespace sluice {

// Where lines go that a destination refused for good (a 4xx other than 408 and 429) when the
// endpoint has no disk queue: stderr, after a header line that says which endpoint and why, so
// that nothing is dropped silently. With storage.dir the endpoint's disk queue keeps them in its
// dead-letter segments instead (EndpointQueue::dead_letter). The caller counts the lines and
// records the reason (status and the start of the response body) in the error stream.
class DeadLetter {
 public:
  DeadLetter(std::string service_id, std::string endpoint);

  // Writes a header naming the endpoint and `reason`, then the lines, to stderr.
  void write(std::span<const LineBatch* const> batches, std::string_view reason);

 private:
  std::string service_id_, endpoint_;
};

}  // namespace sluice

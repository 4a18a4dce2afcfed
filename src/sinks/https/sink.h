#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "sinks/sink.h"

namespace sluice {

// Timing of the https sink that the configuration does not expose; tests shorten it.
struct HttpsSinkOptions {
  std::chrono::milliseconds initial_backoff{100};            // first retry of a failed request
  std::chrono::milliseconds challenge_initial_backoff{500};  // first re-check of the challenge
  uint64_t jitter_seed = 0;                                  // 0 = random
};

// The https endpoint type (and the model for the other HTTP-based types): batches lines from the
// endpoint queue by entries, bytes and period; frames, compresses and POSTs (or PUTs) them with
// up to `concurrency` requests in flight; verifies domain ownership first; retries with backoff
// and Retry-After; sends refused batches to the dead letter. Runs on ctx.io; the endpoint's
// settings must be HttpsSinkSettings. ctx.endpoint and ctx.io outlive the sink.
[[nodiscard]] std::unique_ptr<Sink> make_https_sink(SinkContext& ctx);
[[nodiscard]] std::unique_ptr<Sink> make_https_sink(SinkContext& ctx,
                                                    const HttpsSinkOptions& options);

}  // namespace sluice

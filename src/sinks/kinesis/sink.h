#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "sinks/sink.h"

namespace sluice {

// Timing of the kinesis sink that the configuration does not expose; tests shorten it.
struct KinesisSinkOptions {
  std::chrono::milliseconds initial_backoff{100};  // first retry after a failed call
  uint64_t jitter_seed = 0;                        // 0 = random
};

// The Amazon Kinesis Data Streams endpoint type: keeps a map of the stream's open shards
// (ListShards), spreads lines evenly over them with ExplicitHashKey (or routes them by
// partition_key), shapes sending per shard to the write limits, batches PutRecords calls, retries
// only the failed entries, optionally packs lines into KPL aggregated records, and signs with
// static or STS AssumeRole credentials. Runs on ctx.io; the endpoint's settings must be
// KinesisSinkSettings.
[[nodiscard]] std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx);
[[nodiscard]] std::unique_ptr<Sink> make_kinesis_sink(SinkContext& ctx,
                                                      const KinesisSinkOptions& options);

}  // namespace sluice

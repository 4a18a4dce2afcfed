#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sinks/http/url.h"
#include "sinks/sink_settings.h"

namespace sluice {

enum class KinesisAggregation : uint8_t { kNone, kKpl };

// Fields of the kinesis endpoint: Fastly's names (topic, region, access_key, secret_key,
// iam_role), the (external_id, endpoint_url, partition_key, aggregation,
// max_record_bytes) and sluice's own for batching and shaping. See docs/endpoints/kinesis.md.
struct KinesisSinkSettings : SinkSettings {
  // AWS's limits (Kinesis Data Streams quotas).
  static constexpr size_t kMaxEntriesPerRequest = 500;
  static constexpr uint64_t kMaxBytesPerRequest = 5ull * 1024 * 1024;
  static constexpr uint64_t kDefaultMaxRecordBytes = 1024 * 1024;
  static constexpr uint64_t kMaxRecordBytesLimit = 10ull * 1024 * 1024;

  std::string topic;  // the stream name
  std::string region;
  std::string access_key, secret_key;  // or, without them, the environment's AWS_* variables
  std::string iam_role;                // assumed with STS
  std::string external_id;
  std::string endpoint_url;  // default https://kinesis.REGION.amazonaws.com
  HttpUrl parsed_endpoint;
  std::string sts_endpoint_url;  // default https://sts.REGION.amazonaws.com
  HttpUrl parsed_sts_endpoint;
  std::string partition_key;  // a format; empty: spread evenly over the open shards
  KinesisAggregation aggregation = KinesisAggregation::kNone;
  uint64_t max_record_bytes = kDefaultMaxRecordBytes;

  size_t request_max_entries = kMaxEntriesPerRequest;
  uint64_t request_max_bytes = kMaxBytesPerRequest;
  double period_seconds = 0.2;
  uint32_t concurrency = 4;
  double timeout_seconds = 30;
  double max_backoff_seconds = 30;

  // Per-shard write limits the sender shapes itself to (AWS: 1 MB/s and 1000 records/s).
  double shard_bytes_per_second = 1000 * 1000;
  double shard_records_per_second = 1000;
  double shard_refresh_seconds = 60;
  double record_ttl_seconds = 0;  // 0: a line waits as long as it takes

  [[nodiscard]] std::string_view line_key_format() const override { return partition_key; }
  void print(FieldMap& out) const override;
};

std::shared_ptr<const SinkSettings> parse_kinesis_settings(TableReader& reader);

}  // namespace sluice

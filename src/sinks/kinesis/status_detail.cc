#include "sinks/kinesis/status_detail.h"

#include <fmt/format.h>

#include "core/json_text.h"

namespace sluice {
namespace {

// The rates of a lane since its last report, and the marks moved to now.
void take_rates(ShardScheduler::Lane& l, double seconds) {
  if (seconds > 0) {
    l.records_per_second = double(l.delivered_records - l.reported_records) / seconds;
    l.lines_per_second = double(l.delivered_lines - l.reported_lines) / seconds;
    l.bytes_per_second = double(l.delivered_bytes - l.reported_bytes) / seconds;
  }
  l.reported_records = l.delivered_records;
  l.reported_lines = l.delivered_lines;
  l.reported_bytes = l.delivered_bytes;
}

void append_credentials(std::string& out, const AwsCredentialProvider& creds) {
  if (!creds.assumes_role() && !creds.from_instance()) return;
  out += ",\"credentials\":{\"source\":";
  out += creds.assumes_role() ? "\"assumed_role\"" : "\"instance_role\"";
  out += ",\"role\":";
  append_json_string(out, creds.role());
  out += ",\"access_key_id\":";
  append_json_string(out, creds.credentials().access_key_id);
  double expires_in =
      creds.ready()
          ? std::chrono::duration<double>(creds.expires_at() - std::chrono::system_clock::now())
                .count()
          : 0.0;
  out += fmt::format(",\"refreshes\":{},\"expires_in_seconds\":{:.0f}}}", creds.refreshes(),
                     expires_in);
}

}  // namespace

std::string kinesis_status_detail(const KinesisSinkSettings& settings, ShardScheduler& scheduler,
                                  const AwsCredentialProvider& credentials,
                                  std::optional<double> map_age_seconds, double seconds) {
  std::string out = "{\"stream\":";
  append_json_string(out, settings.topic);
  out += fmt::format(",\"aggregation\":\"{}\",\"distribution\":\"{}\"",
                     settings.aggregation == KinesisAggregation::kKpl ? "kpl" : "none",
                     settings.partition_key.empty() ? "even" : "partition_key");
  if (map_age_seconds) {
    out += fmt::format(",\"shard_map_age_seconds\":{:.1f}", *map_age_seconds);
  } else {
    out += ",\"shard_map_age_seconds\":null";
  }
  out += fmt::format(",\"open_shards\":{},\"closed_shards\":{}", scheduler.lanes().size(),
                     scheduler.map().closed_count());
  append_credentials(out, credentials);
  out += ",\"shards\":[";
  auto& lanes = scheduler.lanes();
  for (size_t i = 0; i < lanes.size(); ++i) {
    ShardScheduler::Lane& l = lanes[i];
    take_rates(l, seconds);
    out += i == 0 ? "" : ",";
    out += "{\"id\":";
    append_json_string(out, l.shard.id);
    out += fmt::format(
        ",\"records_per_second\":{:.1f},\"lines_per_second\":{:.1f},\"bytes_per_second\":{:.0f},"
        "\"throttled\":{},\"rate_factor\":{:.3f},\"waiting\":{},\"delivered_lines\":{}}}",
        l.records_per_second, l.lines_per_second, l.bytes_per_second, l.rate.throttled(),
        l.rate.factor(), l.pending.size(), l.delivered_lines);
  }
  out += "]}";
  return out;
}

}  // namespace sluice

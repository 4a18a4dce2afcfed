// The kinesis endpoint type (Amazon Kinesis Data Streams).
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/sink.h"
#include "sinks/sink_type.h"

namespace sluice {

const SinkType& kinesis_sink_type() {
  static const SinkType type{
      .name = "kinesis",
      .default_message_type = "blank",
      .parse = &parse_kinesis_settings,
      .secret_fields = {"secret_key"},
      .limits = {.max_batch_entries = KinesisSinkSettings::kMaxEntriesPerRequest,
                 .max_batch_bytes = KinesisSinkSettings::kMaxBytesPerRequest,
                 .max_line_bytes = KinesisSinkSettings::kMaxRecordBytesLimit},
      .make = [](SinkContext& ctx) { return make_kinesis_sink(ctx); }};
  return type;
}

}  // namespace sluice

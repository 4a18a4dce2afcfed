#include "engine/sink_factory.h"

#include "sinks/file/sink.h"
#include "sinks/https/sink.h"
#include "sinks/kinesis/sink.h"
#include "sinks/syslog/sink.h"

namespace sluice {

std::unique_ptr<Sink> make_sink(SinkContext& ctx) {
  const std::string& type = ctx.config->type;
  if (type == "file" || type == "stdout" || type == "stderr") return make_file_sink(ctx);
  if (type == "syslog") return make_syslog_sink(ctx);
  if (type == "https") return make_https_sink(ctx);
  if (type == "kinesis") return make_kinesis_sink(ctx);
  return nullptr;
}

}  // namespace sluice

#include "sinks/file/config.h"
#include "sinks/https/config.h"
#include "sinks/kinesis/config.h"
#include "sinks/sink_settings.h"
#include "sinks/syslog/config.h"

namespace sluice {

const std::vector<SinkType>& sink_types() {
  static const std::vector<SinkType> types = {
      {"file", "blank", &parse_file_settings},     {"stdout", "blank", &parse_stdout_settings},
      {"stderr", "blank", &parse_stderr_settings}, {"syslog", "classic", &parse_syslog_settings},
      {"https", "blank", &parse_https_settings},   {"kinesis", "blank", &parse_kinesis_settings},
  };
  return types;
}

const SinkType* find_sink_type(std::string_view name) {
  for (const SinkType& t : sink_types()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace sluice

// The file, stdout and stderr endpoint types.
#include "sinks/file/config.h"
#include "sinks/file/sink.h"
#include "sinks/sink_type.h"

namespace sluice {

const SinkType& file_sink_type() {
  static const SinkType type{.name = "file",
                             .default_message_type = "blank",
                             .parse = &parse_file_settings,
                             .secret_fields = {},
                             .limits = {},
                             .make = &make_file_sink};
  return type;
}

const SinkType& stdout_sink_type() {
  static const SinkType type{.name = "stdout",
                             .default_message_type = "blank",
                             .parse = &parse_stdout_settings,
                             .secret_fields = {},
                             .limits = {},
                             .make = &make_file_sink};
  return type;
}

const SinkType& stderr_sink_type() {
  static const SinkType type{.name = "stderr",
                             .default_message_type = "blank",
                             .parse = &parse_stderr_settings,
                             .secret_fields = {},
                             .limits = {},
                             .make = &make_file_sink};
  return type;
}

}  // namespace sluice

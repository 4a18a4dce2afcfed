// The syslog endpoint type (TCP, TLS, UDP).
#include "sinks/sink_type.h"
#include "sinks/syslog/config.h"
#include "sinks/syslog/sink.h"

namespace sluice {

const SinkType& syslog_sink_type() {
  static const SinkType type{
      .name = "syslog",
      .default_message_type = "classic",
      .parse = &parse_syslog_settings,
      // The token authenticates the sender at hosted receivers (Papertrail, Loggly...).
      .secret_fields = {"token", "tls_client_key"},
      .limits = {},
      .make = [](SinkContext& ctx) { return make_syslog_sink(ctx); }};
  return type;
}

}  // namespace sluice

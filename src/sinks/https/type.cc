// The https endpoint type.
#include "sinks/http/delivery_settings.h"
#include "sinks/https/config.h"
#include "sinks/https/sink.h"
#include "sinks/sink_type.h"

namespace sluice {

const SinkType& https_sink_type() {
  static const SinkType type{.name = "https",
                             .default_message_type = "blank",
                             .parse = &parse_https_settings,
                             // Header values often carry an API key or a bearer token.
                             .secret_fields = {"headers", "tls_client_key"},
                             .limits = {.max_batch_entries = 0,
                                        .max_batch_bytes = HttpDeliverySettings::kDefaultMaxBytes,
                                        .max_line_bytes = 0},
                             .make = [](SinkContext& ctx) { return make_https_sink(ctx); }};
  return type;
}

}  // namespace sluice

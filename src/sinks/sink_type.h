#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/batch_limits.h"
#include "sinks/sink_settings.h"

namespace sluice {

class Sink;
class TableReader;
struct SinkContext;

// Everything the rest of sluice knows of an endpoint type: one per type, defined in the type's
// own folder (its type.cc) and listed once in the build (src/CMakeLists.txt,
// sluice_sink_types), which generates the registry.
struct SinkType {
  std::string_view name;
  // message_type when the endpoint does not set one: syslog frames as "classic", files and
  // streams take lines as they are ("blank").
  std::string_view default_message_type;
  // Reads the type's fields; reports problems through the reader and returns nullptr when there
  // were any.
  std::shared_ptr<const SinkSettings> (*parse)(TableReader& reader);
  // Fields that print() gives in clear and that leave sluice only redacted (the API).
  std::vector<std::string_view> secret_fields;
  SinkLimits limits;
  // The running sink; ctx.config->settings came from parse().
  std::unique_ptr<Sink> (*make)(SinkContext& ctx);
};

// The endpoint types of this build, in the build's order (generated: sink_type_registry.cc).
[[nodiscard]] const std::vector<const SinkType*>& sink_types();
[[nodiscard]] const SinkType* find_sink_type(std::string_view name);

// The settings as fields, with the type's secret fields replaced by a placeholder.
[[nodiscard]] FieldMap print_settings(const SinkType& type, const SinkSettings& settings,
                                      bool redact_secrets);

}  // namespace sluice

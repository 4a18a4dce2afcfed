#include "sinks/sink_type.h"

#include "core/redact.h"

namespace sluice {

const SinkType* find_sink_type(std::string_view name) {
  for (const SinkType* t : sink_types()) {
    if (t->name == name) return t;
  }
  return nullptr;
}

FieldMap print_settings(const SinkType& type, const SinkSettings& settings, bool redact_secrets) {
  FieldMap out;
  settings.print(out);
  if (redact_secrets) {
    for (std::string_view field : type.secret_fields) {
      if (out.contains(field)) out.insert_or_assign(field, std::string(kRedacted));
    }
  }
  return out;
}

}  // namespace sluice

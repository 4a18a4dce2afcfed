#pragma once

#include <string_view>

#include <toml++/toml.h>

namespace sluice {

class TableReader;

// An endpoint's fields as a generic map: what the configuration file gives (a TOML table) and,
// converted to one, what the API's JSON and form bodies give. Each type parses its settings from
// it with a TableReader and prints them back into one, so every front end shares one parser.
using FieldMap = toml::table;

// The fields an endpoint type adds to the common ones (url, address, path...). Each sink folder
// defines its own subclass in its config.{h,cc}, the first of Vector's sink parts.
class SinkSettings {
 public:
  virtual ~SinkSettings() = default;
  // A format rendered from each record beside the line and queued with it as its key (see
  // queue/line_key.h); empty when the type does not route by key.
  [[nodiscard]] virtual std::string_view line_key_format() const { return {}; }
  // Prints the settings as fields that parse back to equal settings: every value resolved
  // (defaults included), secrets in clear (the caller redacts the type's secret_fields).
  virtual void print(FieldMap& out) const = 0;
};

}  // namespace sluice

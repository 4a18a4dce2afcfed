#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class TableReader;

// The fields an endpoint type adds to the common ones (url, address, path...). Each sink folder
// defines its own subclass in its config.{h,cc}, the first of Vector's sink parts.
class SinkSettings {
 public:
  virtual ~SinkSettings() = default;
  // A format rendered from each record beside the line and queued with it as its key (see
  // queue/line_key.h); empty when the type does not route by key.
  [[nodiscard]] virtual std::string_view line_key_format() const { return {}; }
};

// How the configuration learns about an endpoint type: its name and how to read its fields.
struct SinkType {
  std::string_view name;
  // message_type when the endpoint does not set one: syslog frames as "classic", files and
  // streams take lines as they are ("blank").
  std::string_view default_message_type;
  // Reads the type's fields from the endpoint's table; reports problems through the reader and
  // returns nullptr when there were any.
  std::shared_ptr<const SinkSettings> (*parse)(TableReader& reader);
};

// The endpoint types this build knows. A new destination adds its folder and one line to
// sinks/sink_types.cc.
[[nodiscard]] const std::vector<SinkType>& sink_types();
[[nodiscard]] const SinkType* find_sink_type(std::string_view name);

}  // namespace sluice

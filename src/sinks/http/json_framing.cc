#include "sinks/http/json_framing.h"

#include "core/json_text.h"

namespace sluice {

void JsonFramer::begin(std::string& body) {
  count_ = 0;
  invalid_ = 0;
  if (format_ == JsonFormat::kArray) body.push_back('[');
}

bool JsonFramer::is_valid_json(std::string_view text) {
  // The DOM parser validates the whole document (On Demand would only check what it visits).
  // It copies the text into its own padded buffer, which it reuses between calls.
  auto doc = parser_.parse(text.data(), text.size(), /*realloc_if_needed=*/true);
  return doc.error() == simdjson::SUCCESS;
}

void JsonFramer::add(std::string_view line, std::string& body) {
  switch (format_) {
    case JsonFormat::kLines:
      if (count_ > 0) body.push_back('\n');
      body.append(line);
      break;
    case JsonFormat::kArray:
    case JsonFormat::kNdjson:
      if (format_ == JsonFormat::kArray && count_ > 0) body.push_back(',');
      if (is_valid_json(line)) {
        body.append(line);
      } else {
        append_json_string(body, line);
        ++invalid_;
      }
      if (format_ == JsonFormat::kNdjson) body.push_back('\n');
      break;
  }
  ++count_;
}

void JsonFramer::end(std::string& body) {
  if (format_ == JsonFormat::kArray) body.push_back(']');
}

}  // namespace sluice

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "sinks/http/delivery_settings.h"

namespace sluice {

// Frames lines into a request body per json_format, one line at a time, so that a batch spread
// over several queue leases is framed without copying the lines together first:
//   kLines   a\nb\nc           the lines joined by newlines
//   kArray   [a,b,c]           a JSON array of the lines
//   kNdjson  a\nb\nc\n         newline-delimited JSON
// With kArray and kNdjson a line that is not one valid JSON text is written as a JSON string
// instead, so that one bad line cannot make the receiver reject the whole batch; such lines
// are counted. One instance per sink thread: it keeps a reusable parser.
class JsonFramer {
 public:
  explicit JsonFramer(JsonFormat format) : format_(format) {}

  void begin(std::string& body);
  void add(std::string_view line, std::string& body);
  void end(std::string& body);

  // Lines since begin() that were not valid JSON and went as strings.
  [[nodiscard]] size_t invalid_lines() const { return invalid_; }
  [[nodiscard]] JsonFormat format() const { return format_; }

  // Whether `text` is exactly one JSON value (whitespace around it allowed).
  [[nodiscard]] bool is_valid_json(std::string_view text);

 private:
  JsonFormat format_;
  size_t count_ = 0;
  size_t invalid_ = 0;
  simdjson::dom::parser parser_;
};

}  // namespace sluice

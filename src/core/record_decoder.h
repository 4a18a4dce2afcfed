#pragma once

#include <string_view>

#include <simdjson.h>

#include "core/record.h"
#include "core/result.h"

namespace sluice {

// Decodes one flat JSON object into a Record with simdjson's On Demand API.
//
// Strings and numbers become typed values; null is not set; a nested object or array is kept
// as its JSON text. The decoder owns a parser and a padded copy buffer and is reused from record
// to record, so a steady stream decodes without allocating. Not thread-safe: one per thread.
class RecordDecoder {
 public:
  // Fills `out` (cleared first). On error `out` is left cleared and the message says why and,
  // where simdjson can tell, at which byte.
  [[nodiscard]] Status decode(std::string_view json, Record& out);

 private:
  simdjson::ondemand::parser parser_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;
};

}  // namespace sluice

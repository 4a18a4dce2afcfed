#pragma once

#include <memory>
#include <string_view>

#include "core/record.h"
#include "core/result.h"

namespace sluice {

// Decodes one flat JSON object into a Record with simdjson's On Demand API.
//
// Strings and numbers become typed values; null is not set; a nested object or array is kept
// as its JSON text. The decoder owns a parser and is reused from record to record, so a steady
// stream decodes without allocating. Not thread-safe: one per thread.
//
// simdjson stays out of this header on purpose: its On Demand classes are inline and change
// layout with the compiler's target flags, and record_decoder.cc is built with its own flags
// (see src/CMakeLists.txt). A pointer to an opaque parser keeps every includer consistent.
class RecordDecoder {
 public:
  RecordDecoder();
  ~RecordDecoder();
  RecordDecoder(RecordDecoder&&) noexcept;
  RecordDecoder& operator=(RecordDecoder&&) noexcept;

  // Fills `out` (cleared first). On error `out` is left cleared and the message says why and,
  // where simdjson can tell, at which byte.
  [[nodiscard]] Status decode(std::string_view json, Record& out);

  // The simdjson kernel compiled in ("westmere", "haswell", or the slow "fallback").
  [[nodiscard]] static std::string_view kernel();

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace sluice

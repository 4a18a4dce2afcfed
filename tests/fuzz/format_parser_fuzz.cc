// libFuzzer target: LogFormat::compile on arbitrary text, in both format versions, then a render
// of every format that compiles against fixed records, with the line rules applied after.
//
// What it checks: compilation rejects bad input with an error instead of crashing, and a
// compiled format renders any record without a memory error, undefined behaviour or a hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/line_rules.h"
#include "format/log_format.h"
#include "fuzz_support.h"

namespace sluice::fuzz {
namespace {

void render_all(const LogFormat& format) {
  // One buffer per process, reused: the engine appends many lines to a batch buffer.
  static LineBuffer out;
  EvalContext& ctx = shared_context();
  for (const Record* record : {&realistic_record(), &sparse_record(), &typed_record()}) {
    out.clear();
    out.append(std::string_view("prefix "));
    size_t start = out.size();
    format.render(*record, ctx, out);
    (void)apply_line_rules(out, start, kDefaultMaxLineBytes);
  }
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (FormatVersion version : {FormatVersion::kV2, FormatVersion::kV1}) {
    auto format = LogFormat::compile(text, version);
    if (!format) {
      // Every rejection must carry a reason.
      if (format.error().message().empty()) __builtin_trap();
      continue;
    }
    fuzz::render_all(*format);
  }
  return 0;
}

// libFuzzer target: Condition::compile on arbitrary text, then evaluation of every condition that
// compiles against fixed records. The same text is also compiled as a plain expression and
// rendered the way a %{...}V position shows it, which runs the value paths a boolean test skips.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/condition.h"
#include "format/expression.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto condition = Condition::compile(text);
  if (!condition) {
    if (condition.error().message().empty()) __builtin_trap();
    return 0;
  }
  EvalContext& ctx = fuzz::shared_context();
  static LineBuffer out;
  for (const Record* record :
       {&fuzz::realistic_record(), &fuzz::sparse_record(), &fuzz::typed_record()}) {
    bool first = condition->matches(*record, ctx);
    // A condition is a pure function of the record (uuid.version4 aside, which is never false).
    bool second = condition->matches(*record, ctx);
    if (first != second && text.find("uuid") == std::string_view::npos) __builtin_trap();
  }

  auto expression = Expression::compile(text);
  if (!expression) __builtin_trap();  // a condition is an expression: both must compile
  for (const Record* record :
       {&fuzz::realistic_record(), &fuzz::sparse_record(), &fuzz::typed_record()}) {
    out.clear();
    ctx.arena.reset();
    expression->render(*record, ctx, out);
    ctx.arena.reset();
    (void)expression->evaluate(*record, ctx);
  }
  return 0;
}

#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/value.h"
#include "format/eval_context.h"
#include "format/expression_node.h"

namespace sluice {

struct FunctionSpec {
  std::string_view name;
  FunctionId id;
  uint8_t min_args;
  uint8_t max_args;
  int8_t regex_arg;        // index of the argument that must be a literal regex, or -1
  int8_t replacement_arg;  // index of a regsub replacement, checked at compile time if literal
};

// The function of that name, or nullptr. Names match exactly, as VCL's do.
[[nodiscard]] const FunctionSpec* find_function(std::string_view name);
[[nodiscard]] std::vector<std::string_view> function_names();

// Runs a function on evaluated arguments. A not-set argument reads as "". Results that are new
// strings live in ctx.arena until the next render.
[[nodiscard]] Value call_function(const Node& node, const Value* args, size_t count,
                                  EvalContext& ctx);

// A value as a string: not set is "", other types their VCL string form (copied into the
// arena when they have to be formatted).
[[nodiscard]] std::string_view string_of(const Value& v, EvalContext& ctx);

// The value of `key` in a list like "a=1, b=2" split on `separator`: case-insensitive key,
// whitespace trimmed, surrounding double quotes removed. A bare "key" is set and empty.
[[nodiscard]] Value subfield_of(std::string_view list, std::string_view key, char separator);

// Appends json.escape(s) to `out` and returns true, or returns false when s is not valid UTF-8
// (json.escape's result is then not set; what was appended is the caller's to drop). Lets a
// format escape straight into the line instead of through a scratch copy.
[[nodiscard]] bool append_json_escaped(LineBuffer& out, std::string_view s);

// A time argument: TIME, RFC 3339 text, or seconds since the epoch.
[[nodiscard]] bool time_argument(const Value& v, int64_t& usec);

}  // namespace sluice

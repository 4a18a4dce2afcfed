#pragma once

#include <optional>

#include "core/line_rules.h"
#include "core/record.h"
#include "format/condition.h"
#include "format/eval_context.h"
#include "format/log_format.h"

namespace sluice {

// What an endpoint does with a record: test its condition, render its format, apply the line
// rules, count the cuts. The engine and `sluice render` share it, so both produce the same line.
class LineRenderer {
 public:
  LineRenderer(LogFormat format, std::optional<Condition> condition,
               size_t max_line_bytes = kDefaultMaxLineBytes)
      : format_(std::move(format)),
        condition_(std::move(condition)),
        max_line_bytes_(max_line_bytes) {}

  // Appends the line to `out` and returns true, or returns false (appending nothing) when the
  // condition does not hold. Every value the condition and the format build is cut at the line
  // limit (EvalContext::max_value_bytes); a line that shows a value cut that way is counted as
  // cut at the limit, as a line too long is.
  bool render(const Record& record, EvalContext& ctx, LineBuffer& out) {
    ctx.max_value_bytes = max_line_bytes_;
    ctx.value_cut = false;
    if (condition_ && !condition_->matches(record, ctx)) return false;
    ctx.value_cut = false;  // a value only the condition saw is not in the line
    size_t start = out.size();
    format_.render(record, ctx, out);
    LineCut cut = apply_line_rules(out, start, max_line_bytes_);
    cut.at_limit = cut.at_limit || ctx.value_cut;
    counters_.count(cut);
    return true;
  }

  [[nodiscard]] const LineRuleCounters& counters() const { return counters_; }
  [[nodiscard]] size_t max_line_bytes() const { return max_line_bytes_; }

 private:
  LogFormat format_;
  std::optional<Condition> condition_;
  size_t max_line_bytes_;
  LineRuleCounters counters_;
};

}  // namespace sluice

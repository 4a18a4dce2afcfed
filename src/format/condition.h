#pragma once

#include <string>
#include <string_view>

#include "core/record.h"
#include "core/result.h"
#include "format/eval_context.h"
#include "format/expression.h"

namespace sluice {

// A condition's statement: a VCL boolean expression, compiled once. Not set is false.
class Condition {
 public:
  [[nodiscard]] static Result<Condition> compile(std::string_view statement) {
    auto expr = Expression::compile(statement);
    if (!expr) return expr.error();
    return Condition(std::move(*expr));
  }

  // Resets ctx's scratch arena: call before rendering, not in the middle of it.
  [[nodiscard]] bool matches(const Record& record, EvalContext& ctx) const {
    ctx.arena.reset();
    return expression_.test(record, ctx);
  }

  [[nodiscard]] const std::string& source() const { return expression_.source(); }
  [[nodiscard]] const Expression& expression() const { return expression_; }

 private:
  explicit Condition(Expression e) : expression_(std::move(e)) {}
  Expression expression_;
};

}  // namespace sluice

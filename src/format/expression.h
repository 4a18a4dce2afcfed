#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/value.h"
#include "format/eval_context.h"
#include "format/expression_node.h"
#include "format/lexer.h"

namespace sluice {

// A compiled VCL expression: the language of %{...}V and of conditions.
//
// Compiled once when the configuration loads (syntax, function names and arity, regexes), then
// evaluated against any number of records. Evaluation never throws and never fails: bad runtime
// input yields a not-set value, which renders as "(null)".
class Expression {
 public:
  // `cols` maps offsets back to the column the user wrote, for expressions inside a format.
  [[nodiscard]] static Result<Expression> compile(std::string_view text,
                                                  const ColumnMap& cols = {});

  Expression(Expression&&) = default;
  Expression& operator=(Expression&&) = default;

  [[nodiscard]] Value evaluate(const Record& record, EvalContext& ctx) const;
  // Appends the value the way a log position shows it: not set is "(null)". A concatenation
  // appends piece by piece, straight into `out`.
  void render(const Record& record, EvalContext& ctx, LineBuffer& out) const;
  // The boolean view: what a condition asks.
  [[nodiscard]] bool test(const Record& record, EvalContext& ctx) const;

  // The variable, when the whole expression is one plain variable: lets a format render it
  // without the evaluator.
  [[nodiscard]] const VariableRef* as_variable() const;
  // The variable, when the whole expression is json.escape(variable): the most common field of
  // a JSON format, which a format renders without the evaluator when the value is a string.
  [[nodiscard]] const VariableRef* as_json_escaped_variable() const;
  // The format, when the whole expression is strftime({"format"}, time.start): a JSON format's
  // timestamp, which a format renders from the record's parsed start time.
  [[nodiscard]] const std::string_view* as_strftime_of_start() const;

  [[nodiscard]] const std::string& source() const { return source_; }

  // The compiled nodes, for checks made when a configuration loads (variable names and types,
  // see format/variable_check.h). Each node's col is the column the user wrote.
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }

 private:
  friend class ExpressionParser;
  Expression() = default;

  Value eval(uint32_t index, const Record& record, EvalContext& ctx) const;
  // truthy(eval(index)), without building the intermediate booleans and values.
  bool truth(uint32_t index, const Record& record, EvalContext& ctx) const;
  // The value of a literal or of a record field the node names, where it already lives; nullptr
  // for any other node, which the caller evaluates.
  const Value* leaf(const Node& n, const Record& record) const;
  void render_node(uint32_t index, const Record& record, EvalContext& ctx, LineBuffer& out,
                   size_t stop) const;

  std::string source_;
  std::vector<Node> nodes_;
  // Literal strings, each in its own allocation so that views into them survive moves.
  std::vector<std::unique_ptr<std::string>> literals_;
  uint32_t root_ = 0;
};

}  // namespace sluice

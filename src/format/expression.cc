#include "format/expression.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/did_you_mean.h"
#include "core/time_util.h"
#include "core/utf8.h"
#include "format/functions.h"

namespace sluice {

// Recursive descent over the token list. Precedence, loosest first:
//   ||   &&   !   comparison (== != < <= > >= ~ !~)   concatenation (+ or juxtaposition)
class ExpressionParser {
 public:
  ExpressionParser(std::vector<Token> tokens, Expression& out)
      : tokens_(std::move(tokens)), out_(out) {}

  Status parse() {
    auto root = parse_or();
    if (!root) return root.error();
    if (peek().kind != TokenKind::kEnd) {
      return error_at(peek(), fmt::format("unexpected '{}' after the expression", peek().text));
    }
    out_.root_ = *root;
    return {};
  }

 private:
  static constexpr int kMaxDepth = 64;

  const Token& peek() const { return tokens_[pos_]; }
  const Token& advance() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  static Error error_at(const Token& t, std::string_view reason) {
    return Error(fmt::format("col {}: {}", t.col, reason));
  }

  uint32_t add(Node node) {
    out_.nodes_.push_back(std::move(node));
    return uint32_t(out_.nodes_.size() - 1);
  }

  Value keep_literal(std::string text) {
    out_.literals_.push_back(std::make_unique<std::string>(std::move(text)));
    return Value::string(*out_.literals_.back());
  }

  Result<uint32_t> binary(NodeKind kind, TokenKind op,
                          Result<uint32_t> (ExpressionParser::*next)()) {
    auto left = (this->*next)();
    if (!left) return left;
    while (peek().kind == op) {
      Node n;
      n.kind = kind;
      n.col = advance().col;
      auto right = (this->*next)();
      if (!right) return right;
      n.kids = {*left, *right};
      left = add(std::move(n));
    }
    return left;
  }

  Result<uint32_t> parse_or() {
    return binary(NodeKind::kOr, TokenKind::kOr, &ExpressionParser::parse_and);
  }
  Result<uint32_t> parse_and() {
    return binary(NodeKind::kAnd, TokenKind::kAnd, &ExpressionParser::parse_not);
  }

  Result<uint32_t> parse_not() {
    if (peek().kind != TokenKind::kNot) return parse_compare();
    Node n;
    n.kind = NodeKind::kNot;
    n.col = advance().col;
    if (++depth_ > kMaxDepth) return error_at(peek(), "expression nested too deeply");
    auto operand = parse_not();
    --depth_;
    if (!operand) return operand;
    n.kids = {*operand};
    return add(std::move(n));
  }

  Result<uint32_t> parse_compare() {
    auto left = parse_concat();
    if (!left) return left;
    const Token& op = peek();
    Node n;
    n.col = op.col;
    switch (op.kind) {
      case TokenKind::kEq:
        n.compare = CompareOp::kEq;
        break;
      case TokenKind::kNe:
        n.compare = CompareOp::kNe;
        break;
      case TokenKind::kLt:
        n.compare = CompareOp::kLt;
        break;
      case TokenKind::kLe:
        n.compare = CompareOp::kLe;
        break;
      case TokenKind::kGt:
        n.compare = CompareOp::kGt;
        break;
      case TokenKind::kGe:
        n.compare = CompareOp::kGe;
        break;
      case TokenKind::kMatch:
      case TokenKind::kNotMatch: {
        n.kind = NodeKind::kMatch;
        n.negate = op.kind == TokenKind::kNotMatch;
        advance();
        const Token& pattern = peek();
        if (pattern.kind != TokenKind::kString) {
          return error_at(
              pattern,
              fmt::format("the right side of {} must be a string literal (a regex)", op.text));
        }
        auto re = compile_regex(pattern);
        if (!re) return re.error();
        advance();
        n.regex = std::move(*re);
        n.kids = {*left};
        return add(std::move(n));
      }
      default:
        return left;
    }
    n.kind = NodeKind::kCompare;
    advance();
    auto right = parse_concat();
    if (!right) return right;
    n.kids = {*left, *right};
    return add(std::move(n));
  }

  static bool starts_value(TokenKind k) {
    return k == TokenKind::kString || k == TokenKind::kInteger || k == TokenKind::kFloat ||
           k == TokenKind::kIdentifier || k == TokenKind::kLParen;
  }

  Result<uint32_t> parse_concat() {
    auto first = parse_primary();
    if (!first) return first;
    std::vector<uint32_t> parts = {*first};
    uint32_t col = tokens_[pos_ > 0 ? pos_ - 1 : 0].col;
    while (true) {
      if (peek().kind == TokenKind::kPlus) {
        advance();
      } else if (!starts_value(peek().kind)) {
        break;
      }
      auto next = parse_primary();
      if (!next) return next;
      parts.push_back(*next);
    }
    if (parts.size() == 1) return first;
    Node n;
    n.kind = NodeKind::kConcat;
    n.col = col;
    n.kids = std::move(parts);
    return add(std::move(n));
  }

  Result<std::shared_ptr<const RE2>> compile_regex(const Token& t) {
    RE2::Options options;
    options.set_log_errors(false);
    // Bound the memory a hostile pattern can make RE2 use; too big a pattern is an error.
    options.set_max_mem(8 << 20);
    auto re = std::make_shared<const RE2>(t.text, options);
    if (!re->ok()) {
      return error_at(t, fmt::format("bad regex \"{}\": {}", t.text, re->error()));
    }
    return re;
  }

  Result<uint32_t> parse_primary() {
    const Token& t = peek();
    Node n;
    n.col = t.col;
    switch (t.kind) {
      case TokenKind::kString:
        n.kind = NodeKind::kLiteral;
        n.literal = keep_literal(advance().text);
        return add(std::move(n));
      case TokenKind::kInteger:
        n.kind = NodeKind::kLiteral;
        n.literal = Value::integer_value(advance().integer);
        return add(std::move(n));
      case TokenKind::kFloat:
        n.kind = NodeKind::kLiteral;
        n.literal = Value::float_value(advance().real);
        return add(std::move(n));
      case TokenKind::kLParen: {
        advance();
        if (++depth_ > kMaxDepth) return error_at(t, "expression nested too deeply");
        auto inner = parse_or();
        --depth_;
        if (!inner) return inner;
        if (peek().kind != TokenKind::kRParen) return error_at(peek(), "expected ')'");
        advance();
        return inner;
      }
      case TokenKind::kIdentifier:
        return parse_identifier();
      case TokenKind::kEnd:
        return error_at(t, "expected a value, found the end of the expression");
      default:
        return error_at(t, fmt::format("expected a value, found '{}'", t.text));
    }
  }

  Result<uint32_t> parse_identifier() {
    Token name = advance();
    Node n;
    n.col = name.col;
    if (peek().kind == TokenKind::kLParen) return parse_call(name);
    if (name.text == "true" || name.text == "false") {
      n.kind = NodeKind::kLiteral;
      n.literal = Value::bool_value(name.text == "true");
      return add(std::move(n));
    }
    n.kind = NodeKind::kVariable;
    n.variable = VariableRef::make(name.text);
    if (peek().kind == TokenKind::kSubfield) {
      n.kind = NodeKind::kSubfield;
      n.subfield = advance().text;
      // Cookies separate their pairs with ';', every other header with ','.
      std::string_view lower = name.text;
      n.separator =
          lower.size() >= 7 && equal_folded(lower.substr(lower.size() - 7), ".cookie") ? ';' : ',';
    }
    return add(std::move(n));
  }

  Result<std::vector<uint32_t>> parse_arguments(const Token& name,
                                                std::vector<const Token*>& first_tokens) {
    advance();  // (
    std::vector<uint32_t> args;
    if (++depth_ > kMaxDepth) return error_at(name, "expression nested too deeply");
    if (peek().kind != TokenKind::kRParen) {
      while (true) {
        first_tokens.push_back(&peek());
        size_t before = pos_;
        auto arg = parse_or();
        if (!arg) return arg.error();
        // Remember whether the argument was one lone string literal (regexes must be).
        if (pos_ != before + 1 || tokens_[before].kind != TokenKind::kString)
          first_tokens.back() = nullptr;
        args.push_back(*arg);
        if (peek().kind == TokenKind::kComma) {
          advance();
          continue;
        }
        if (peek().kind == TokenKind::kRParen) break;
        return error_at(peek(),
                        fmt::format("expected ',' or ')' in the arguments of {}", name.text));
      }
    }
    advance();  // )
    --depth_;
    return args;
  }

  Result<uint32_t> parse_call(const Token& name) {
    std::vector<const Token*> literal_args;
    if (name.text == "if") {
      auto args = parse_arguments(name, literal_args);
      if (!args) return args.error();
      if (args->size() != 3) {
        return error_at(name, fmt::format("if() takes 3 arguments (condition, then, else), got {}",
                                          args->size()));
      }
      Node n;
      n.kind = NodeKind::kIf;
      n.col = name.col;
      n.kids = std::move(*args);
      return add(std::move(n));
    }
    const FunctionSpec* spec = find_function(name.text);
    if (spec == nullptr) {
      std::string hint = closest_match(name.text, function_names());
      return error_at(name,
                      fmt::format("unknown function {}{}", name.text,
                                  hint.empty() ? "" : fmt::format(" (did you mean {}?)", hint)));
    }
    auto args = parse_arguments(name, literal_args);
    if (!args) return args.error();
    if (args->size() < spec->min_args || args->size() > spec->max_args) {
      std::string expected = spec->min_args == spec->max_args
                                 ? fmt::format("{}", spec->min_args)
                                 : fmt::format("{} to {}", spec->min_args, spec->max_args);
      return error_at(name, fmt::format("{} takes {} argument{}, got {}", spec->name, expected,
                                        spec->max_args == 1 ? "" : "s", args->size()));
    }
    Node n;
    n.kind = NodeKind::kCall;
    n.function = spec->id;
    n.col = name.col;
    if (spec->regex_arg >= 0) {
      const Token* pattern = literal_args[size_t(spec->regex_arg)];
      if (pattern == nullptr) {
        return error_at(name,
                        fmt::format("the pattern of {} must be a string literal", spec->name));
      }
      auto re = compile_regex(*pattern);
      if (!re) return re.error();
      n.regex = std::move(*re);
      const Token* rewrite = literal_args[size_t(spec->replacement_arg)];
      std::string why;
      if (rewrite != nullptr && !n.regex->CheckRewriteString(rewrite->text, &why)) {
        return error_at(*rewrite, fmt::format("bad replacement \"{}\": {}", rewrite->text, why));
      }
    }
    if (spec->id == FunctionId::kSubfield && args->size() == 3 && literal_args[2] != nullptr &&
        literal_args[2]->text.size() != 1) {
      return error_at(*literal_args[2], "the separator of subfield must be one character");
    }
    n.kids = std::move(*args);
    return add(std::move(n));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  Expression& out_;
};

Result<Expression> Expression::compile(std::string_view text, const ColumnMap& cols) {
  auto tokens = tokenize(text, cols);
  if (!tokens) return tokens.error();
  Expression expr;
  expr.source_ = std::string(text);
  ExpressionParser parser(std::move(*tokens), expr);
  if (auto st = parser.parse(); !st) return st.error();
  return expr;
}

const VariableRef* Expression::as_variable() const {
  const Node& root = nodes_[root_];
  return root.kind == NodeKind::kVariable ? &root.variable : nullptr;
}

const VariableRef* Expression::as_json_escaped_variable() const {
  const Node& root = nodes_[root_];
  if (root.kind != NodeKind::kCall || root.function != FunctionId::kJsonEscape) return nullptr;
  const Node& arg = nodes_[root.kids[0]];
  return arg.kind == NodeKind::kVariable ? &arg.variable : nullptr;
}

const std::string_view* Expression::as_strftime_of_start() const {
  const Node& root = nodes_[root_];
  if (root.kind != NodeKind::kCall || root.function != FunctionId::kStrftime) return nullptr;
  const Node& format = nodes_[root.kids[0]];
  const Node& time = nodes_[root.kids[1]];
  if (format.kind != NodeKind::kLiteral || format.literal.kind != ValueKind::kString ||
      time.kind != NodeKind::kVariable || time.variable.derived != Derived::kTimeStart) {
    return nullptr;
  }
  return &format.literal.str;
}

namespace {

bool numeric(const Value& v, double& d) {
  switch (v.kind) {
    case ValueKind::kInteger:
    case ValueKind::kTime:
    case ValueKind::kRelTime:
      d = double(v.integer);
      return true;
    case ValueKind::kFloat:
      d = v.real;
      return true;
    case ValueKind::kBool:
      d = v.boolean ? 1 : 0;
      return true;
    default:
      return false;
  }
}

// A string that is entirely a number, compared with a number, compares as a number ("200" == 200).
bool numeric_text(std::string_view s, double& d) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, d);
  return ec == std::errc() && p == end;
}

template <typename T>
bool ordered(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
  }
  return false;
}

bool compare_mixed(CompareOp op, const Value& a, const Value& b, EvalContext& ctx);

// Two integers, the usual test of a status or a counter, inline; everything else out of line.
inline bool compare(CompareOp op, const Value& a, const Value& b, EvalContext& ctx) {
  if (a.kind == ValueKind::kInteger && b.kind == ValueKind::kInteger) {
    return ordered(op, a.integer, b.integer);
  }
  return compare_mixed(op, a, b, ctx);
}

bool compare_mixed(CompareOp op, const Value& a, const Value& b, EvalContext& ctx) {
  if (!a.is_set() || !b.is_set()) {
    if (op == CompareOp::kEq) return !a.is_set() && !b.is_set();
    if (op == CompareOp::kNe) return a.is_set() != b.is_set();
    return false;
  }
  double x, y;
  bool an = numeric(a, x), bn = numeric(b, y);
  if (an && bn) return ordered(op, x, y);
  if (an && b.kind == ValueKind::kString && numeric_text(b.str, y)) return ordered(op, x, y);
  if (bn && a.kind == ValueKind::kString && numeric_text(a.str, x)) return ordered(op, x, y);
  return ordered(op, string_of(a, ctx), string_of(b, ctx));
}

}  // namespace

namespace {
const Value kNotSet;
}  // namespace

const Value* Expression::leaf(const Node& n, const Record& record) const {
  if (n.kind == NodeKind::kLiteral) return &n.literal;
  if (n.kind == NodeKind::kVariable && n.variable.derived == Derived::kNone) {
    const Value* v = record.find(n.variable);
    return v != nullptr ? v : &kNotSet;
  }
  return nullptr;
}

bool Expression::truth(uint32_t index, const Record& record, EvalContext& ctx) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case NodeKind::kNot:
      return !truth(n.kids[0], record, ctx);
    case NodeKind::kAnd:
      return truth(n.kids[0], record, ctx) && truth(n.kids[1], record, ctx);
    case NodeKind::kOr:
      return truth(n.kids[0], record, ctx) || truth(n.kids[1], record, ctx);
    case NodeKind::kCompare: {
      // Compare the operands where they live when they are literals or fields.
      Value left_value, right_value;
      const Value* left = leaf(nodes_[n.kids[0]], record);
      if (left == nullptr) left = &(left_value = eval(n.kids[0], record, ctx));
      const Value* right = leaf(nodes_[n.kids[1]], record);
      if (right == nullptr) right = &(right_value = eval(n.kids[1], record, ctx));
      return compare(n.compare, *left, *right, ctx);
    }
    default:
      if (const Value* v = leaf(n, record)) return truthy(*v);
      return truthy(eval(index, record, ctx));
  }
}

Value Expression::eval(uint32_t index, const Record& record, EvalContext& ctx) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case NodeKind::kLiteral:
      return n.literal;
    case NodeKind::kVariable:
      return record.get(n.variable, ctx.now_usec);
    case NodeKind::kSubfield: {
      Value base = record.get(n.variable, ctx.now_usec);
      if (!base.is_set()) return base;
      return subfield_of(string_of(base, ctx), n.subfield, n.separator);
    }
    case NodeKind::kConcat: {
      // Cut at ctx.max_value_bytes (see EvalContext), checked once per piece: a piece appends at
      // most one byte past the cap, enough to know that the value was cut.
      const size_t cap = ctx.max_value_bytes;
      LineBuffer b;
      for (uint32_t kid : n.kids) {
        Value v = eval(kid, record, ctx);
        if (v.kind == ValueKind::kString) {
          append_bytes(b, v.str.data(), std::min(v.str.size(), cap + 1 - b.size()));
        } else {
          append_value(b, v);
        }
        if (b.size() > cap) {
          return Value::string(ctx.arena.copy(ctx.capped(std::string_view(b.data(), b.size()))));
        }
      }
      return Value::string(ctx.arena.copy(std::string_view(b.data(), b.size())));
    }
    case NodeKind::kIf:
      return truth(n.kids[0], record, ctx) ? eval(n.kids[1], record, ctx)
                                           : eval(n.kids[2], record, ctx);
    case NodeKind::kNot:
    case NodeKind::kAnd:
    case NodeKind::kOr:
    case NodeKind::kCompare:
      return Value::bool_value(truth(index, record, ctx));
    case NodeKind::kMatch: {
      // Not set matches as "", the way a function argument reads it.
      std::string_view subject = string_of(eval(n.kids[0], record, ctx), ctx);
      return Value::bool_value(RE2::PartialMatch(subject, *n.regex) != n.negate);
    }
    case NodeKind::kCall: {
      Value args[3];
      size_t count = n.kids.size();
      for (size_t i = 0; i < count; ++i) args[i] = eval(n.kids[i], record, ctx);
      return call_function(n, args, count, ctx);
    }
  }
  return Value::not_set();
}

Value Expression::evaluate(const Record& record, EvalContext& ctx) const {
  return eval(root_, record, ctx);
}

void Expression::render(const Record& record, EvalContext& ctx, LineBuffer& out) const {
  render_node(root_, record, ctx, out, out.size() + ctx.max_value_bytes);
}

// Appends exactly what append_value(out, eval(index)) would, but writes the common shapes of a
// log format (a concatenation, an if(), json.escape, strftime) straight into the line instead of
// building each result in scratch memory and copying it. A concatenation stops once `out` is
// past `stop`, max_value_bytes after where the expression began: the line rules cut the line
// there in any case, so what it shows is the same.
void Expression::render_node(uint32_t index, const Record& record, EvalContext& ctx,
                             LineBuffer& out, size_t stop) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case NodeKind::kLiteral:
      append_value_fast(out, n.literal);  // "true", "null", "%22": no evaluation needed
      return;
    case NodeKind::kVariable:
      if (const Value* v = leaf(n, record)) {
        append_value_fast(out, *v);
      } else {
        append_value_fast(out, record.get(n.variable, ctx.now_usec));
      }
      return;
    case NodeKind::kConcat:
      // A concatenation of values is the concatenation of their string forms.
      for (uint32_t kid : n.kids) {
        if (out.size() > stop) return;
        render_node(kid, record, ctx, out, stop);
      }
      return;
    case NodeKind::kIf:
      render_node(truth(n.kids[0], record, ctx) ? n.kids[1] : n.kids[2], record, ctx, out, stop);
      return;
    case NodeKind::kCall:
      if (n.function == FunctionId::kJsonEscape) {
        const Value* arg = leaf(nodes_[n.kids[0]], record);
        std::string_view s = arg != nullptr && arg->kind == ValueKind::kString
                                 ? arg->str
                                 : string_of(eval(n.kids[0], record, ctx), ctx);
        // Escaping never shortens: more than the cap of input only makes more line to cut.
        s = ctx.capped(s);
        size_t mark = out.size();
        if (!append_json_escaped(out, s)) {
          out.resize(mark);
          append_value(out, Value::not_set());
        }
        return;
      }
      if (n.function == FunctionId::kStrftime) {
        const Value* format = leaf(nodes_[n.kids[0]], record);
        Value format_value;
        if (format == nullptr) format = &(format_value = eval(n.kids[0], record, ctx));
        int64_t usec;
        if (!time_argument(eval(n.kids[1], record, ctx), usec)) {
          append_value(out, Value::not_set());
        } else {
          std::string_view text = string_of(*format, ctx);
          // A conversion prints at most a few dozen bytes: a format within the cap prints a
          // bounded line.
          text = ctx.capped(text);
          append_strftime(out, text, usec);
        }
        return;
      }
      break;
    default:
      break;
  }
  append_value(out, eval(index, record, ctx));
}

bool Expression::test(const Record& record, EvalContext& ctx) const {
  return truth(root_, record, ctx);
}

}  // namespace sluice

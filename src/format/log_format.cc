#include "format/log_format.h"

#include <cctype>

#include <fmt/format.h>

#include "core/time_util.h"
#include "core/utf8.h"
#include "format/functions.h"

namespace sluice {
namespace {

void append(LineBuffer& out, std::string_view s) {
  append_bytes(out, s);
}

// Variables the directives read, resolved once.
struct DirectiveVars {
  VariableRef client_ip_header = VariableRef::make("req.http.Fastly-Client-IP");
  VariableRef client_ip = VariableRef::make("client.ip");
  VariableRef url = VariableRef::make("req.url");
  VariableRef method = VariableRef::make("req.method");
  VariableRef proto = VariableRef::make("req.proto");
  VariableRef time_end = VariableRef::make("time.end");
};
const DirectiveVars& directive_vars() {
  static const DirectiveVars v;
  return v;
}

// Where a %{...} argument ends. For an expression, braces inside string literals do not count;
// \{ and \} are always braces that do not end the argument (Fastly's escape, seen in the
// strftime example of its docs).
struct Argument {
  std::string text;                // with \{ \} unescaped
  std::vector<uint32_t> escapes;   // offsets in text after which a backslash was removed
  size_t end = std::string::npos;  // index of the closing '}' in the format
};

Argument scan_argument(std::string_view s, size_t start, bool expression_aware) {
  Argument a;
  size_t i = start;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      a.escapes.push_back(uint32_t(a.text.size()));
      a.text.push_back(s[i + 1]);
      i += 2;
      continue;
    }
    if (c == '}') {
      a.end = i;
      return a;
    }
    if (expression_aware && c == '"') {
      size_t close = s.find('"', i + 1);
      if (close == std::string_view::npos) return a;
      a.text.append(s.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    if (expression_aware && c == '{') {
      // A long string {"..."} or a heredoc {id"..."id}: it ends only at "} or "id}.
      size_t quote = i + 1;
      while (quote < s.size() && (std::isalnum(static_cast<unsigned char>(s[quote])) ||
                                  s[quote] == '_' || s[quote] == '.' || s[quote] == '-')) {
        ++quote;
      }
      if (quote < s.size() && s[quote] == '"') {
        std::string terminator = "\"" + std::string(s.substr(i + 1, quote - i - 1)) + "}";
        size_t close = s.find(terminator, quote + 1);
        if (close == std::string_view::npos) return a;
        a.text.append(s.substr(i, close + terminator.size() - i));
        i = close + terminator.size();
        continue;
      }
    }
    a.text.push_back(c);
    ++i;
  }
  return a;
}

}  // namespace

class LogFormatParser {
 public:
  LogFormatParser(std::string_view text, FormatVersion version, LogFormat& out)
      : s_(text), v1_(version == FormatVersion::kV1), out_(out) {}

  Status parse() {
    size_t i = 0;
    while (i < s_.size()) {
      size_t pct = s_.find('%', i);
      if (pct == std::string_view::npos) pct = s_.size();
      literal_.append(s_.substr(i, pct - i));
      if (pct == s_.size()) break;
      auto next = directive(pct);
      if (!next) return next.error();
      i = *next;
    }
    flush_literal();
    return {};
  }

 private:
  using Segment = LogFormat::Segment;
  using Kind = LogFormat::Kind;

  static Error error_at(size_t offset, std::string_view reason) {
    return Error(fmt::format("col {}: {}", offset + 1, reason));
  }

  // The text after the last directive becomes a segment of its own.
  void flush_literal() {
    if (literal_.empty()) return;
    push(Segment{});
  }

  // The literal text before a directive rides on the directive's segment: one step of the
  // render loop instead of two.
  void push(Segment seg) {
    seg.prefix_size = uint32_t(literal_.size());
    seg.prefix = std::move(literal_);
    seg.prefix.resize((seg.prefix.size() + 15) & ~size_t(15), '\0');
    literal_.clear();
    out_.segments_.push_back(std::move(seg));
  }

  void push_constant(std::string_view text) { literal_.append(text); }

  void push_variable(Kind kind, std::string_view name) {
    Segment seg;
    seg.kind = kind;
    seg.variable = VariableRef::make(name);
    push(std::move(seg));
  }

  // Parses the directive at s_[pct] == '%'; returns the index after it.
  Result<size_t> directive(size_t pct) {
    size_t i = pct + 1;
    if (i >= s_.size())
      return error_at(pct, "'%' at the end of the format (write %% for a literal %)");
    std::optional<Argument> arg;
    if (s_[i] == '{') {
      Argument a = scan_argument(s_, i + 1, true);
      if (a.end == std::string::npos || a.end + 1 >= s_.size() || s_[a.end + 1] != 'V') {
        a = scan_argument(s_, i + 1, false);
      }
      if (a.end == std::string::npos) return error_at(pct, "unterminated %{ (no closing })");
      if (a.end + 1 >= s_.size()) return error_at(a.end, "missing directive letter after %{...}");
      arg = std::move(a);
      i = arg->end + 1;
    }
    // Apache's < and > select the original or final request; sluice has only one.
    if (s_[i] == '>' || s_[i] == '<') {
      ++i;
      if (i >= s_.size() || s_[i] != 's')
        return error_at(pct, "'>' and '<' are only supported in %>s and %<s");
    }
    char letter = s_[i];
    size_t after = i + 1;
    if (letter == '%' && !arg) {
      push_constant("%");
      return after;
    }
    if (arg && !takes_argument(letter)) {
      if (std::string_view("aAbBDfhHIklmOqrsTuUvX").find(letter) == std::string_view::npos) {
        return error_at(pct, fmt::format("%{{...}} must be followed by a directive letter such as "
                                         "V, found '{}'",
                                         printable(letter)));
      }
      return error_at(pct, fmt::format("%{} does not take a {{...}} argument", printable(letter)));
    }
    switch (letter) {
      case 'a':
      case 'h': {
        Segment seg;
        seg.kind = Kind::kClientIp;
        push(std::move(seg));
        return after;
      }
      case 'A':
        push_variable(Kind::kDirective, "server.ip");
        return after;
      case 'B':
        push_variable(Kind::kDirective, "resp.body_bytes_written");
        return after;
      case 'b':
        push_variable(Kind::kBytesClf,
                      v1_ ? "resp.http.Content-Length" : "resp.body_bytes_written");
        return after;
      case 'C':
      case 'i':
      case 'o': {
        if (!arg || arg->text.empty()) {
          return error_at(pct, fmt::format("%{} needs a name: %{{Name}}{}", letter, letter));
        }
        if (letter == 'C') {
          // A cookie is the Cookie header's subfield; compile it as that expression.
          auto expr = Expression::compile("req.http.Cookie:" + arg->text);
          if (!expr) return error_at(pct, fmt::format("bad cookie name \"{}\"", arg->text));
          Segment seg;
          seg.kind = Kind::kDirectiveExpression;
          seg.expression.emplace(std::move(*expr));
          push(std::move(seg));
          return after;
        }
        push_variable(Kind::kDirective, (letter == 'i' ? "req.http." : "resp.http.") + arg->text);
        return after;
      }
      case 'D':
        push_variable(Kind::kDirective, "time.elapsed.usec");
        return after;
      case 'T':
        push_variable(Kind::kDirective, "time.elapsed.sec");
        return after;
      case 'f':
      case 'U':
        push_variable(Kind::kDirective, "req.url.path");
        return after;
      case 'q': {
        Segment seg;
        seg.kind = Kind::kQueryString;
        push(std::move(seg));
        return after;
      }
      case 'H':
        push_variable(Kind::kDirective, "req.proto");
        return after;
      case 'm':
        push_variable(Kind::kDirective, "req.method");
        return after;
      case 'I':
        push_variable(Kind::kDirective, "req.bytes_read");
        return after;
      case 'O':
        push_variable(Kind::kDirective, "resp.bytes_written");
        return after;
      case 'p': {
        if (!arg || arg->text == "canonical" || arg->text == "local") {
          push_constant("80");
        } else if (arg->text == "remote") {
          push_constant("-");
        } else {
          return error_at(
              pct, fmt::format("%{{{}}}p: the port format must be canonical, local or remote",
                               arg->text));
        }
        return after;
      }
      case 'r': {
        Segment seg;
        seg.kind = Kind::kRequestLine;
        seg.with_protocol = !v1_;
        push(std::move(seg));
        return after;
      }
      case 's':
        push_variable(Kind::kDirective, "resp.status");
        return after;
      case 't':
        return time_directive(pct, arg, after);
      case 'u':
      case 'l':
      case 'e':
      case 'n':
      case 'P':
      case 'R':
        push_constant("-");
        return after;
      case 'k':
        push_constant("0");
        return after;
      case 'X':
        push_constant("+");
        return after;
      case 'v':
        push_variable(Kind::kDirective, "req.http.host");
        return after;
      case 'V': {
        if (!arg) {
          push_variable(Kind::kDirective, "req.http.host");
          return after;
        }
        return expression_directive(pct, *arg, after);
      }
      default:
        return error_at(pct, fmt::format("unknown directive %{}", printable(letter)));
    }
  }

  static bool takes_argument(char letter) {
    return letter == 'C' || letter == 'i' || letter == 'o' || letter == 'p' || letter == 't' ||
           letter == 'e' || letter == 'n' || letter == 'P' || letter == 'V';
  }

  static std::string printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return (u < 0x20 || u >= 0x7f) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }

  Result<size_t> expression_directive(size_t pct, const Argument& arg, size_t after) {
    if (arg.text.find_first_not_of(" \t") == std::string::npos) {
      return error_at(pct, "empty expression in %{}V");
    }
    ColumnMap cols;
    cols.base = uint32_t(pct + 3);  // the column of the first character after "%{"
    cols.escape_after = arg.escapes;
    auto expr = Expression::compile(arg.text, cols);
    if (!expr) return expr.error();
    if (const VariableRef* var = expr->as_variable()) {
      Segment seg;
      seg.kind = Kind::kVariable;
      seg.variable = *var;
      seg.expression.emplace(std::move(*expr));
      push(std::move(seg));
      return after;
    }
    Segment seg;
    seg.kind = Kind::kExpression;
    if (const VariableRef* var = expr->as_json_escaped_variable()) {
      seg.kind = Kind::kJsonEscapedVariable;
      seg.variable = *var;
    } else if (const std::string_view* format = expr->as_strftime_of_start()) {
      seg.kind = Kind::kStrftimeOfStart;
      seg.text = std::string(*format);
    }
    seg.expression.emplace(std::move(*expr));
    push(std::move(seg));
    return after;
  }

  Result<size_t> time_directive(size_t pct, const std::optional<Argument>& arg, size_t after) {
    Segment seg;
    if (!arg) {
      seg.kind = v1_ ? Kind::kTimeHttp : Kind::kTimeClf;
      push(std::move(seg));
      return after;
    }
    std::string_view spec = arg->text;
    if (spec.substr(0, 6) == "begin:") {
      spec.remove_prefix(6);
    } else if (spec.substr(0, 4) == "end:") {
      spec.remove_prefix(4);
      seg.end_time = true;
    }
    static constexpr std::string_view kTokens[] = {"sec", "msec", "usec", "msec_frac", "usec_frac"};
    for (uint8_t k = 0; k < 5; ++k) {
      if (spec == kTokens[k]) {
        seg.kind = Kind::kTimeToken;
        seg.token = k;
        push(std::move(seg));
        return after;
      }
    }
    if (spec.empty()) {
      seg.kind = Kind::kTimeClf;
    } else {
      seg.kind = Kind::kTimeFormat;
      seg.text = std::string(spec);
    }
    push(std::move(seg));
    return after;
  }

  std::string_view s_;
  bool v1_;
  LogFormat& out_;
  std::string literal_;
};

Result<LogFormat> LogFormat::compile(std::string_view text, FormatVersion version) {
  LogFormat f;
  f.source_ = std::string(text);
  f.version_ = version;
  LogFormatParser parser(text, version, f);
  if (auto st = parser.parse(); !st) return st.error();
  return f;
}

std::vector<const Expression*> LogFormat::expressions() const {
  std::vector<const Expression*> out;
  for (const Segment& seg : segments_) {
    if (seg.expression) out.push_back(&*seg.expression);
  }
  return out;
}

void LogFormat::render(const Record& record, EvalContext& ctx, LineBuffer& out) const {
  ctx.arena.reset();
  const DirectiveVars& dv = directive_vars();
  // The line is a value too (EvalContext::max_value_bytes): once it is past the cap the line
  // rules cut it there, so the segments after that would only be built to be thrown away. One
  // comparison per segment; a segment adds at most a cap (and one byte) of its own.
  const size_t cap = ctx.max_value_bytes;
  const size_t stop = out.size() + cap;
  for (const Segment& seg : segments_) {
    if (out.size() > stop) break;
    if (seg.prefix_size != 0) append_padded(out, seg.prefix.data(), seg.prefix_size);
    switch (seg.kind) {
      case Kind::kLiteral:
        break;
      case Kind::kVariable:
        if (seg.variable.derived == Derived::kNone) {
          // The field where it lives: no copy of the value. Past the cap only one byte more is
          // needed, for the line rules to see the line is too long.
          const Value* v = record.find(seg.variable);
          if (v != nullptr && v->kind == ValueKind::kString && v->str.size() > cap) {
            append_bytes(out, v->str.data(), cap + 1);
          } else {
            append_value_fast(out, v != nullptr ? *v : Value::not_set());
          }
        } else {
          append_value_fast(out, record.get(seg.variable, ctx.now_usec));
        }
        break;
      case Kind::kExpression:
        seg.expression->render(record, ctx, out);
        break;
      case Kind::kJsonEscapedVariable: {
        const Value* v =
            seg.variable.derived == Derived::kNone ? record.find(seg.variable) : nullptr;
        Value derived;
        if (v == nullptr && seg.variable.derived != Derived::kNone) {
          v = &(derived = record.get(seg.variable, ctx.now_usec));
        }
        size_t mark = out.size();
        if (v != nullptr && v->kind == ValueKind::kString && v->str.size() > cap) {
          // Escaping never shortens: the first cap bytes make a value the line rules cut.
          if (!append_json_escaped(out, ctx.capped(v->str))) {
            out.resize(mark);
            seg.expression->render(record, ctx, out);
          }
        } else if (v == nullptr || v->kind != ValueKind::kString ||
                   !append_json_escaped(out, v->str)) {
          // Not a string (a number's text needs its own conversion) or not valid UTF-8: the
          // evaluator's general path decides, exactly as for any other expression.
          out.resize(mark);
          seg.expression->render(record, ctx, out);
        }
        break;
      }
      case Kind::kStrftimeOfStart: {
        // time.start reads as the start the record parses once (Record::get_derived); without
        // one the evaluator decides, exactly as for any other expression.
        int64_t usec;
        if (record.start_usec(usec)) {
          append_strftime(out, seg.text, usec);
        } else {
          seg.expression->render(record, ctx, out);
        }
        break;
      }
      case Kind::kDirective:
      case Kind::kDirectiveExpression: {
        Value v = seg.kind == Kind::kDirective ? record.get(seg.variable, ctx.now_usec)
                                               : seg.expression->evaluate(record, ctx);
        if (v.is_set()) {
          append_value_fast(out, v);
        } else {
          out.push_back('-');
        }
        break;
      }
      case Kind::kBytesClf: {
        Value v = record.get(seg.variable, ctx.now_usec);
        bool zero = !v.is_set() || (v.kind == ValueKind::kInteger && v.integer == 0) ||
                    (v.kind == ValueKind::kString && (v.str.empty() || v.str == "0"));
        if (zero) {
          out.push_back('-');
        } else {
          append_value(out, v);
        }
        break;
      }
      case Kind::kClientIp: {
        Value v = record.get(dv.client_ip_header);
        if (!v.is_set()) v = record.get(dv.client_ip);
        if (v.is_set()) {
          append_value_fast(out, v);
        } else {
          out.push_back('-');
        }
        break;
      }
      case Kind::kQueryString: {
        Value url = record.get(dv.url);
        if (url.kind == ValueKind::kString) {
          size_t q = url.str.find('?');
          if (q != std::string_view::npos) append(out, url.str.substr(q));
        }
        break;
      }
      case Kind::kRequestLine: {
        Value m = record.get(dv.method);
        Value u = record.get(dv.url);
        if (m.is_set())
          append_value(out, m);
        else
          out.push_back('-');
        out.push_back(' ');
        if (u.is_set())
          append_value(out, u);
        else
          out.push_back('-');
        if (seg.with_protocol) {
          out.push_back(' ');
          Value p = record.get(dv.proto);
          if (p.is_set())
            append_value(out, p);
          else
            out.push_back('-');
        }
        break;
      }
      case Kind::kTimeClf:
      case Kind::kTimeHttp:
      case Kind::kTimeFormat:
      case Kind::kTimeToken: {
        // end: is time.end as a %{time.end}V reads it (carried, or start + elapsed); without
        // one, the start stands in for it.
        int64_t usec;
        Value end = seg.end_time ? record.get(dv.time_end) : Value::not_set();
        if (end.kind == ValueKind::kTime) {
          usec = end.integer;
        } else if (!record.start_usec(usec)) {
          out.push_back('-');
          break;
        }
        if (seg.kind == Kind::kTimeClf) {
          append_clf_time(out, usec);
        } else if (seg.kind == Kind::kTimeHttp) {
          append_http_date(out, usec);
        } else if (seg.kind == Kind::kTimeFormat) {
          append_strftime(out, seg.text, usec);
        } else {
          int64_t sec = usec_to_sec(usec);
          int64_t frac = usec - sec * 1000000;
          int64_t values[] = {sec, sec * 1000 + frac / 1000, usec, frac / 1000, frac};
          if (seg.token == 3) {
            fmt::format_to(std::back_inserter(out), "{:03}", values[3]);
          } else if (seg.token == 4) {
            fmt::format_to(std::back_inserter(out), "{:06}", values[4]);
          } else {
            fmt::format_int f(values[seg.token]);
            append_bytes(out, f.data(), f.size());
          }
        }
        break;
      }
    }
  }
}

}  // namespace sluice

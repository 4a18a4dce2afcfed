#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/value.h"
#include "format/eval_context.h"
#include "format/expression.h"

namespace sluice {

// Fastly's format_version. Version 1 keeps the older meanings of %r (no protocol), %t (an HTTP
// date without brackets) and %b (the Content-Length response header).
enum class FormatVersion : uint8_t { kV1 = 1, kV2 = 2 };

// A compiled log format: Apache-style directives plus %{EXPR}V.
//
// Shaped like Envoy's access-log formatter: compiled once into a list of segments, then each
// render walks the list and appends to a caller-owned buffer. Nothing is allocated per field.
class LogFormat {
 public:
  [[nodiscard]] static Result<LogFormat> compile(std::string_view text,
                                                 FormatVersion version = FormatVersion::kV2);

  // Appends the line for `record` to `out`. Line rules (one line, length cap) are the caller's
  // next step: see core/line_rules.h. Resets ctx's scratch arena.
  void render(const Record& record, EvalContext& ctx, LineBuffer& out) const;

  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] FormatVersion version() const { return version_; }

  // The format's %{...}V expressions, in order, for checks made when a configuration loads (see
  // format/variable_check.h); rendering never reads them from here.
  [[nodiscard]] std::vector<const Expression*> expressions() const;

 private:
  enum class Kind : uint8_t {
    kLiteral,              // only the prefix: text after the last directive
    kVariable,             // %{var}V: "(null)" when not set
    kExpression,           // %{expr}V
    kJsonEscapedVariable,  // %{json.escape(var)}V: strings escaped directly, others by expression
    kStrftimeOfStart,      // %{strftime({"fmt"}, time.start)}V: from the parsed start time,
                           // others (no start) by expression
    kDirectiveExpression,  // an Apache directive computed by an expression (%{X}C): "-" when not
                           // set
    kDirective,            // an Apache directive read from a variable: "-" when not set
    kBytesClf,             // %b: "-" for 0 or not set
    kClientIp,             // %a %h
    kQueryString,          // %q
    kRequestLine,          // %r
    kTimeClf,              // %t (v2)
    kTimeHttp,             // %t (v1)
    kTimeFormat,           // %{[begin:|end:]strftime}t
    kTimeToken,            // %{[begin:|end:]sec|msec|usec|msec_frac|usec_frac}t
  };
  struct Segment {
    Kind kind = Kind::kLiteral;
    bool end_time = false;      // kTime*: time.end instead of time.start
    bool with_protocol = true;  // kRequestLine
    uint8_t token = 0;          // kTimeToken: 0 sec, 1 msec, 2 usec, 3 msec_frac, 4 usec_frac
    std::string prefix;         // literal text before the directive, then zeros up to a
                                // multiple of 16 bytes (for append_padded)
    uint32_t prefix_size = 0;   // the text's length
    std::string text;           // kTimeFormat, kStrftimeOfStart
    VariableRef variable;       // kVariable, kDirective, kBytesClf
    // Every %{...}V segment keeps its compiled expression: kVariable only for expressions(),
    // the others to evaluate what their fast path does not cover. So does %{X}C.
    std::optional<Expression> expression;
  };

  LogFormat() = default;
  friend class LogFormatParser;

  std::string source_;
  FormatVersion version_ = FormatVersion::kV2;
  std::vector<Segment> segments_;
};

}  // namespace sluice

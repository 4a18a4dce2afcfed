#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice {

enum class TokenKind : uint8_t {
  kEnd,
  kString,  // "..." (with %XX decoded) or {"..."} / {id"..."id} (literal)
  kInteger,
  kFloat,
  kIdentifier,  // variable or function name: letters, digits, '_', '.', '-'
  kSubfield,    // the ':key' after a variable (text holds key)
  kLParen,
  kRParen,
  kComma,
  kPlus,
  kNot,
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kMatch,
  kNotMatch,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // decoded string, identifier, subfield key, or number spelling
  int64_t integer = 0;
  double real = 0;
  uint32_t col = 1;  // 1-based column in the source the user wrote
};

// Maps an offset in the expression text to the 1-based column the user sees. Expressions
// embedded in a format (%{...}V) start at some column and may have had \{ \} escapes removed.
struct ColumnMap {
  uint32_t base = 1;                   // column of offset 0
  std::vector<uint32_t> escape_after;  // offsets after which one source byte was dropped
  [[nodiscard]] uint32_t column(size_t offset) const {
    uint32_t extra = 0;
    for (uint32_t e : escape_after) {
      if (e <= offset) ++extra;
    }
    return base + uint32_t(offset) + extra;
  }
};

// Splits a VCL expression into tokens. Errors name the column and the reason.
[[nodiscard]] Result<std::vector<Token>> tokenize(std::string_view text, const ColumnMap& cols);

}  // namespace sluice

#include "format/lexer.h"

#include <charconv>

#include <fmt/format.h>

namespace sluice {
namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string_view text, const ColumnMap& cols) : s_(text), cols_(cols) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      skip_space();
      Token t;
      t.col = cols_.column(pos_);
      if (pos_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      char c = s_[pos_];
      if (c == '"') {
        if (auto st = short_string(t); !st) return st.error();
      } else if (c == '{' && pos_ + 1 < s_.size() &&
                 (s_[pos_ + 1] == '"' || is_ident_start(s_[pos_ + 1]))) {
        if (auto st = long_string(t); !st) return st.error();
      } else if (is_digit(c) || (c == '-' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1]))) {
        if (auto st = number(t); !st) return st.error();
      } else if (is_ident_start(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        t.kind = TokenKind::kIdentifier;
        t.text = std::string(s_.substr(start, pos_ - start));
        out.push_back(std::move(t));
        // A ':' straight after a variable name starts a subfield key: req.http.X:key
        if (pos_ + 1 < s_.size() && s_[pos_] == ':' && is_ident_char(s_[pos_ + 1])) {
          Token sub;
          sub.col = cols_.column(pos_);
          ++pos_;
          size_t kstart = pos_;
          while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
          sub.kind = TokenKind::kSubfield;
          sub.text = std::string(s_.substr(kstart, pos_ - kstart));
          out.push_back(std::move(sub));
        }
        continue;
      } else if (!op(t)) {
        return Error(fmt::format("col {}: unexpected character '{}'", t.col, printable(c)));
      }
      out.push_back(std::move(t));
    }
  }

 private:
  static std::string printable(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return std::string(1, c);
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // "..." : %XX decodes to a byte, %00 ends the string (VCL's rule); no backslash escapes.
  Status short_string(Token& t) {
    size_t start = pos_++;
    std::string value;
    bool cut = false;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_];
      if (c == '%' && pos_ + 2 < s_.size() && hex_value(s_[pos_ + 1]) >= 0 &&
          hex_value(s_[pos_ + 2]) >= 0) {
        char byte = char(hex_value(s_[pos_ + 1]) * 16 + hex_value(s_[pos_ + 2]));
        if (byte == '\0') cut = true;
        if (!cut) value.push_back(byte);
        pos_ += 3;
        continue;
      }
      if (!cut) value.push_back(c);
      ++pos_;
    }
    if (pos_ >= s_.size()) {
      return Error(fmt::format("col {}: unterminated string", cols_.column(start)));
    }
    ++pos_;
    t.kind = TokenKind::kString;
    t.text = std::move(value);
    return {};
  }

  // {"..."} or {id"..."id}: taken literally.
  Status long_string(Token& t) {
    size_t start = pos_++;
    size_t id_start = pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (!is_ident_char(s_[pos_])) {
        return Error(
            fmt::format("col {}: '{{' must start a long string {{\"...\"}}", cols_.column(start)));
      }
      ++pos_;
    }
    std::string terminator = "\"" + std::string(s_.substr(id_start, pos_ - id_start)) + "}";
    if (pos_ >= s_.size()) {
      return Error(fmt::format("col {}: unterminated long string", cols_.column(start)));
    }
    ++pos_;  // the opening quote
    size_t end = s_.find(terminator, pos_);
    if (end == std::string_view::npos) {
      return Error(fmt::format("col {}: unterminated long string (no closing {})",
                               cols_.column(start), terminator));
    }
    t.kind = TokenKind::kString;
    t.text = std::string(s_.substr(pos_, end - pos_));
    pos_ = end + terminator.size();
    return {};
  }

  Status number(Token& t) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    bool is_float = false;
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && is_digit(s_[pos_ + 1])) {
      is_float = true;
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    t.text = std::string(text);
    if (is_float) {
      t.kind = TokenKind::kFloat;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), t.real);
      if (ec != std::errc()) {
        return Error(fmt::format("col {}: bad number {}", cols_.column(start), text));
      }
    } else {
      t.kind = TokenKind::kInteger;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), t.integer);
      if (ec != std::errc()) {
        return Error(fmt::format("col {}: integer {} is out of range", cols_.column(start), text));
      }
    }
    return {};
  }

  bool op(Token& t) {
    auto two = [&](char a, char b) {
      return pos_ + 1 < s_.size() && s_[pos_] == a && s_[pos_ + 1] == b;
    };
    struct Op {
      const char* text;
      TokenKind kind;
    };
    static constexpr Op kOps[] = {
        {"&&", TokenKind::kAnd},   {"||", TokenKind::kOr},       {"==", TokenKind::kEq},
        {"!=", TokenKind::kNe},    {"!~", TokenKind::kNotMatch}, {"<=", TokenKind::kLe},
        {">=", TokenKind::kGe},    {"<", TokenKind::kLt},        {">", TokenKind::kGt},
        {"~", TokenKind::kMatch},  {"!", TokenKind::kNot},       {"(", TokenKind::kLParen},
        {")", TokenKind::kRParen}, {",", TokenKind::kComma},     {"+", TokenKind::kPlus},
    };
    for (const Op& o : kOps) {
      bool is_two = o.text[1] != '\0';
      if (is_two ? two(o.text[0], o.text[1]) : s_[pos_] == o.text[0]) {
        t.kind = o.kind;
        t.text = o.text;
        pos_ += is_two ? 2 : 1;
        return true;
      }
    }
    return false;
  }

  std::string_view s_;
  const ColumnMap& cols_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text, const ColumnMap& cols) {
  return Lexer(text, cols).run();
}

}  // namespace sluice

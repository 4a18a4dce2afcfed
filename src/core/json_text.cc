#include "core/json_text.h"

#include <fmt/format.h>

namespace sluice {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629, table 3-7 of
// Unicode), or 0. Checking only the continuation bytes' top bits is not enough: overlong forms
// (C0 80), surrogates (ED A0 80) and code points above U+10FFFF pass that test, and a JSON
// parser rejects them, so one such line would make a receiver refuse a whole batch.
size_t utf8_sequence_length(std::string_view s) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(0);
  size_t len = 0;
  unsigned char lo = 0x80;  // the range of the second byte, which depends on the first
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < len || at(1) < lo || at(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((at(k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c < 0x80) {
      out.push_back(char(c));
    } else {
      if (size_t len = utf8_sequence_length(s.substr(i)); len > 0) {
        out.append(s.substr(i, len));
        i += len - 1;
      } else {
        out += "\\ufffd";
      }
    }
  }
  out.push_back('"');
}

}  // namespace sluice

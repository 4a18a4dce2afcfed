#include "core/json_text.h"

#include <fmt/format.h>

#include "core/utf8.h"

namespace sluice {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_json_string_content(out, s);
  out.push_back('"');
}

void append_json_string_content(std::string& out, std::string_view s) {
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
}

}  // namespace sluice

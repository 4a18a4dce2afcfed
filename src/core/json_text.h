#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Appends s as a JSON string literal, quotes included. For the API's responses; invalid UTF-8
// bytes become U+FFFD so the document stays valid.
void append_json_string(std::string& out, std::string_view s);

// Appends s escaped as the inside of a JSON string literal (no quotes), as above: quotes,
// backslashes and control characters escaped, invalid UTF-8 bytes as \ufffd.
void append_json_string_content(std::string& out, std::string_view s);

}  // namespace sluice

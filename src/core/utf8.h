#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629, table 3-7 of
// Unicode), or 0 when it does not start with one. Checking only the continuation bytes' top bits
// is not enough: overlong forms (C0 80), surrogates (ED A0 80) and code points above U+10FFFF
// pass that test, and JSON parsers and Prometheus reject them.
[[nodiscard]] size_t utf8_sequence_length(std::string_view s);

// Appends `in` with every byte that is not part of a well-formed UTF-8 sequence replaced by
// U+FFFD, so that text from the wire can go where valid UTF-8 is required (Prometheus labels,
// JSON answers). Valid input is copied as it is.
void append_valid_utf8(std::string& out, std::string_view in);

}  // namespace sluice

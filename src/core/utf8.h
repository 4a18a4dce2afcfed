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

// The length of `s` cut to at most `max` bytes without ending inside a multi-byte UTF-8
// character: a last lead byte whose sequence the cut leaves incomplete goes, with its
// continuation bytes, as the line rules cut a line. Works on text already cut at `max` too (the
// byte after it unknown). Only for text that was cut: a string that ends in an incomplete
// sequence of its own loses it as well.
[[nodiscard]] inline size_t utf8_cut_length(std::string_view s, size_t max) {
  size_t n = s.size() < max ? s.size() : max;
  size_t k = n;
  while (k > 0 && n - k < 3 && (static_cast<unsigned char>(s[k - 1]) & 0xC0) == 0x80) --k;
  if (k == 0) return n;  // continuation bytes alone: not UTF-8 text, cut where asked
  auto lead = static_cast<unsigned char>(s[k - 1]);
  size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return n - (k - 1) < want ? k - 1 : n;
}

}  // namespace sluice

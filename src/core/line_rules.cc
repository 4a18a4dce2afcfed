#include "core/line_rules.h"

#include <cstring>

namespace sluice {

LineCut apply_line_rules(LineBuffer& buf, size_t start, size_t max_bytes) {
  LineCut cut;
  const char* line = buf.data() + start;
  size_t len = buf.size() - start;
  if (const void* nl = std::memchr(line, '\n', len)) {
    len = size_t(static_cast<const char*>(nl) - line);
    cut.at_terminator = true;
  }
  if (const void* nul = std::memchr(line, '\0', len)) {
    len = size_t(static_cast<const char*>(nul) - line);
    cut.at_terminator = true;
  }
  if (len > max_bytes) {
    len = max_bytes;
    // Step back over continuation bytes so a multi-byte character is not split in half.
    size_t back = 0;
    while (len > 0 && back < 3 && (static_cast<unsigned char>(line[len]) & 0xC0) == 0x80) {
      --len;
      ++back;
    }
    cut.at_limit = true;
  }
  buf.resize(start + len);
  return cut;
}

}  // namespace sluice

#pragma once

#include <cstdio>
#include <string>

namespace sluice::testing {

// Everything written to `f` so far (a std::tmpfile() a logger wrote to); leaves it at its start.
inline std::string file_text(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

}  // namespace sluice::testing

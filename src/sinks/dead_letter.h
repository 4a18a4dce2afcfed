#pragma once

#include <span>
#include <string>
#include <string_view>

#include "queue/line_batch.h"

namespace sluice {

// Where lines go that a destination refused for good (a 4xx other than 408 and 429), so that
// nothing is dropped silently: a file in the endpoint's directory under storage.dir,
//   <storage.dir>/<service id>/<endpoint name>/dead_letter.log
// one line per line, appended, so that it can be replayed; or, without storage.dir, stderr,
// after a header line that says which endpoint and why. The caller counts the lines and records
// the reason (status and the start of the response body) in the error stream.
class DeadLetter {
 public:
  DeadLetter(std::string storage_dir, std::string service_id, std::string endpoint);

  // Appends the lines; returns where they went, for the error message ("stderr" or the path).
  // Falls back to stderr when the file cannot be written, and says so in the returned text.
  std::string write(std::span<const LineBatch* const> batches, std::string_view reason);

  // The file, or "" without storage.dir.
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
  std::string service_id_, endpoint_;
};

// A name made safe as one path component: [A-Za-z0-9._-] as is, anything else as %XX, and
// "." or ".." escaped, so that an endpoint name cannot point outside storage.dir.
[[nodiscard]] std::string path_component(std::string_view name);

}  // namespace sluice

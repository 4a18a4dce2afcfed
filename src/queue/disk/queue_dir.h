#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice {

// Where an endpoint's queue lives on disk:
//
//   <storage.dir>/<service id>/<endpoint name>/
//       00000000000000000001.seg ...   segments, oldest first
//       ledger                         the acknowledged position (see Ledger)
//       lock                           flock()ed by the process that has the queue open
//       dead/00000000000000000001.seg  dead-letter segments (same record framing)
//
// Names are escaped (%XX for anything outside [A-Za-z0-9._-], and a leading '.'), so an
// endpoint called "../x" or "a/b" stays inside its own directory.
[[nodiscard]] std::string escape_path_name(std::string_view name);
[[nodiscard]] std::string unescape_path_name(std::string_view name);
[[nodiscard]] std::string endpoint_queue_dir(const std::string& storage_dir,
                                             std::string_view service_id,
                                             std::string_view endpoint);

[[nodiscard]] std::string segment_path(const std::string& dir, uint64_t id);
// Segment ids in `dir`, ascending. A missing directory has none.
[[nodiscard]] std::vector<uint64_t> list_segments(const std::string& dir);
// Creates `dir` and its parents if missing; the error names the directory.
[[nodiscard]] Status make_dirs(const std::string& dir);

// A position in the queue: segment id in the high 32 bits, byte offset in the low 32. Segments
// are at most 1 GiB (config bound) plus one record, so offsets fit; positions order like the log.
[[nodiscard]] constexpr uint64_t pack_position(uint64_t segment, uint64_t offset) {
  return (segment << 32) | offset;
}
[[nodiscard]] constexpr uint64_t position_segment(uint64_t pos) {
  return pos >> 32;
}
[[nodiscard]] constexpr uint64_t position_offset(uint64_t pos) {
  return pos & 0xffffffffu;
}

}  // namespace sluice

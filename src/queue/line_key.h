#pragma once

#include <string_view>

namespace sluice {

// Some endpoint types route each line by a key rendered from the same record (the Kinesis
// partition_key; later a Kafka message key). Such a line is queued as key, NUL, line: the line
// rules cut every line and key at its first NUL, so the separator cannot occur in either, and
// the pair stays one queue entry, durable together on a disk queue.
inline constexpr char kLineKeySeparator = '\0';
// Keys are cut to this many bytes before queueing (Kinesis allows 256 characters).
inline constexpr size_t kMaxLineKeyBytes = 256;

struct KeyedLine {
  std::string_view key;
  std::string_view line;
};

// Splits a queued entry of a keyed endpoint. An entry without a separator (queued before the
// endpoint had a key) has an empty key.
[[nodiscard]] inline KeyedLine split_line_key(std::string_view entry) {
  size_t sep = entry.find(kLineKeySeparator);
  if (sep == std::string_view::npos) return {{}, entry};
  return {entry.substr(0, sep), entry.substr(sep + 1)};
}

}  // namespace sluice

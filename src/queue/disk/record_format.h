#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// One line on disk, in a segment file (and in dead-letter segments):
//
//   u32 payload length | u32 CRC32C | u64 append time (ms since the Unix epoch) | payload
//
// all little-endian. The CRC covers the length, the time and the payload, so a torn or
// overwritten header is caught as surely as a damaged payload. The length frames the record;
// the checksum tells a complete record from a torn or corrupted one. The time serves
// `sluice queue inspect` (oldest age) and `sluice queue replay --from`.
constexpr size_t kRecordHeaderBytes = 16;
// Lines are at most 64 KiB (line rules); anything claiming more than this is damage. Keeping
// the bound small also keeps a resynchronising scan over garbage cheap (see SegmentReader).
constexpr uint32_t kMaxRecordPayload = 1u << 20;

[[nodiscard]] constexpr uint64_t record_size(size_t payload) {
  return kRecordHeaderBytes + payload;
}

// Appends the framed record to `out`.
void append_record(std::string& out, std::string_view payload, uint64_t time_ms);

struct RecordView {
  std::string_view payload;  // points into the parsed buffer
  uint64_t time_ms = 0;
};

enum class RecordParse : uint8_t {
  kOk,
  kIncomplete,  // plausible header, but `buf` ends before the record does
  kBad,         // implausible length or checksum mismatch
};

// Parses the record at the start of `buf`.
[[nodiscard]] RecordParse parse_record(std::string_view buf, RecordView& out);

// Reads the record at the start of `buf` without verifying its checksum: only for bytes this
// process framed itself with append_record() and kept in its own memory (the disk queue's tail
// cache), which never went through a file. `buf` must start at a record; returns false when it
// ends before the record does.
[[nodiscard]] bool read_own_record(std::string_view buf, RecordView& out);

}  // namespace sluice

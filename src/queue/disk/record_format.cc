#include "queue/disk/record_format.h"

#include "queue/disk/crc32c.h"

namespace sluice {
namespace {

void put_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = char((v >> (8 * i)) & 0xff);
}
void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = char((v >> (8 * i)) & 0xff);
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | uint8_t(p[i]);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | uint8_t(p[i]);
  return v;
}

uint32_t record_crc(const char* header, std::string_view payload) {
  uint32_t c = crc32c(header, 4);  // length
  c = crc32c(header + 8, 8, c);    // time
  return crc32c(payload.data(), payload.size(), c);
}

}  // namespace

void append_record(std::string& out, std::string_view payload, uint64_t time_ms) {
  char header[kRecordHeaderBytes];
  put_u32(header, uint32_t(payload.size()));
  put_u64(header + 8, time_ms);
  put_u32(header + 4, record_crc(header, payload));
  out.append(header, sizeof header);
  out.append(payload);
}

RecordParse parse_record(std::string_view buf, RecordView& out) {
  if (buf.size() < kRecordHeaderBytes) return RecordParse::kIncomplete;
  uint32_t length = get_u32(buf.data());
  if (length > kMaxRecordPayload) return RecordParse::kBad;
  if (buf.size() < record_size(length)) return RecordParse::kIncomplete;
  std::string_view payload = buf.substr(kRecordHeaderBytes, length);
  if (record_crc(buf.data(), payload) != get_u32(buf.data() + 4)) return RecordParse::kBad;
  out.payload = payload;
  out.time_ms = get_u64(buf.data() + 8);
  return RecordParse::kOk;
}

bool read_own_record(std::string_view buf, RecordView& out) {
  if (buf.size() < kRecordHeaderBytes) return false;
  uint32_t length = get_u32(buf.data());
  if (buf.size() < record_size(length)) return false;
  out.payload = buf.substr(kRecordHeaderBytes, length);
  out.time_ms = get_u64(buf.data() + 8);
  return true;
}

}  // namespace sluice

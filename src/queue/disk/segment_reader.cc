#include "queue/disk/segment_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sluice {
namespace {

// The largest record and its header, rounded up: the window never needs to grow.
constexpr size_t kWindowBytes = record_size(kMaxRecordPayload) + 4096;

}  // namespace

SegmentReader::~SegmentReader() {
  close();
}

Status SegmentReader::open(const std::string& path) {
  close();
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  path_ = path;
  window_.resize(kWindowBytes);
  window_offset_ = 0;
  window_size_ = 0;
  return {};
}

void SegmentReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  window_size_ = 0;
}

bool SegmentReader::ensure(uint64_t offset, size_t n, uint64_t limit) {
  if (offset + n > limit) return false;
  if (offset >= window_offset_ && offset + n <= window_offset_ + window_size_) return true;
  size_t want = size_t(std::min<uint64_t>(window_.size(), limit - offset));
  size_t got = 0;
  while (got < want) {
    ssize_t r = ::pread(fd_, window_.data() + got, want - got, off_t(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += size_t(r);
  }
  window_offset_ = offset;
  window_size_ = got;
  return n <= got;
}

RecordParse SegmentReader::parse_at(uint64_t offset, uint64_t limit, RecordView& out) {
  if (!ensure(offset, kRecordHeaderBytes, limit)) return RecordParse::kBad;
  std::string_view view(window_.data() + (offset - window_offset_),
                        window_size_ - size_t(offset - window_offset_));
  RecordParse p = parse_record(view, out);
  if (p != RecordParse::kIncomplete) return p;
  // The header is plausible but the window ends inside the record: read from its start. The
  // window holds the largest record, so one read is enough.
  uint32_t length = uint32_t(uint8_t(view[0])) | uint32_t(uint8_t(view[1])) << 8 |
                    uint32_t(uint8_t(view[2])) << 16 | uint32_t(uint8_t(view[3])) << 24;
  if (!ensure(offset, record_size(length), limit)) return RecordParse::kBad;
  view = std::string_view(window_.data() + (offset - window_offset_),
                          window_size_ - size_t(offset - window_offset_));
  p = parse_record(view, out);
  return p == RecordParse::kOk ? p : RecordParse::kBad;
}

SegmentReader::Item SegmentReader::next(uint64_t offset, uint64_t limit) {
  Item item;
  if (offset >= limit) {
    item.kind = Item::kEnd;
    item.next = limit;
    return item;
  }
  if (parse_at(offset, limit, item.record) == RecordParse::kOk) {
    item.kind = Item::kRecord;
    item.next = offset + record_size(item.record.payload.size());
    return item;
  }
  // Damage: find the next offset where a whole record with a valid checksum starts. Garbage
  // rarely passes the length bound, and a false match needs a 32-bit checksum to agree.
  item.kind = Item::kDamaged;
  item.record = {};
  RecordView ignored;
  for (uint64_t candidate = offset + 1; candidate + kRecordHeaderBytes <= limit; ++candidate) {
    if (parse_at(candidate, limit, ignored) == RecordParse::kOk) {
      item.next = candidate;
      return item;
    }
  }
  item.next = limit;
  return item;
}

}  // namespace sluice

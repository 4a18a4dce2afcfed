// libFuzzer target: the disk queue's record framing and segment reading on arbitrary bytes, as
// recovery meets a segment file after a crash, a torn write or disk damage.
//
// The input is the content of a segment file (held in a memfd, so no file is left behind).
// Invariants checked:
//   - parse_record never reports a record larger than its buffer, and a record it accepts
//     re-encodes (append_record) to the very same bytes and reads the same unchecked
//     (read_own_record, the tail cache's reader);
//   - SegmentReader::next always makes progress and never runs past its limit; every record it
//     returns is exactly the bytes at its offset; a damaged range ends where a valid record
//     starts, or at the limit;
//   - scan_segment agrees with a walk of the reader (records, damaged runs, payload bytes), and
//     as a tail segment it cuts a torn end off at the start of the last damaged run;
//   - a reader limited to a prefix of the file (what a writer had written so far) reads nothing
//     beyond the prefix.
// The first input byte also picks a payload that is framed, appended and read back.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/disk/record_format.h"
#include "queue/disk/recovery.h"
#include "queue/disk/segment_reader.h"

namespace {

using namespace sluice;

[[noreturn]] void fail(const char* what, uint64_t at) {
  std::fprintf(stderr, "segment_reader_fuzz: %s (offset %llu)\n", what,
               static_cast<unsigned long long>(at));
  std::abort();
}

void check(bool ok, const char* what, uint64_t at = 0) {
  if (!ok) fail(what, at);
}

// One memfd for the whole process, rewritten for each input, as a segment file is rewritten.
struct SegmentFile {
  int fd = -1;
  std::string path;

  SegmentFile() {
    fd = ::memfd_create("segment_reader_fuzz", 0);
    if (fd < 0) fail("memfd_create failed", 0);
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  void write_all(std::string_view bytes) const {
    check(::ftruncate(fd, 0) == 0, "ftruncate");
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = ::pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(done));
      check(w > 0, "pwrite");
      done += size_t(w);
    }
  }
};

struct Walk {
  uint64_t records = 0, payload_bytes = 0, damaged = 0, damaged_bytes = 0;
  uint64_t last_damage_start = UINT64_MAX;
  uint64_t last_damage_end = 0;
};

// Reads [0, limit) of the file with one reader, checking each item against the bytes.
Walk walk(const SegmentFile& file, std::string_view bytes, uint64_t limit) {
  SegmentReader reader;
  check(static_cast<bool>(reader.open(file.path)), "cannot open the memfd");
  Walk w;
  uint64_t offset = 0;
  while (true) {
    SegmentReader::Item item = reader.next(offset, limit);
    if (item.kind == SegmentReader::Item::kEnd) {
      check(offset >= limit, "end before the limit", offset);
      break;
    }
    check(item.next > offset, "no progress", offset);
    check(item.next <= limit, "past the limit", offset);
    if (item.kind == SegmentReader::Item::kRecord) {
      std::string_view at = bytes.substr(offset, item.next - offset);
      RecordView direct;
      check(parse_record(at, direct) == RecordParse::kOk, "record does not parse in place", offset);
      check(direct.payload == item.record.payload, "payload differs from the bytes", offset);
      check(direct.time_ms == item.record.time_ms, "time differs from the bytes", offset);
      check(record_size(direct.payload.size()) == item.next - offset, "framed size", offset);
      ++w.records;
      w.payload_bytes += item.record.payload.size();
    } else {
      // Damage ends where a valid record begins, or at the limit.
      if (item.next < limit) {
        RecordView next;
        check(parse_record(bytes.substr(item.next, limit - item.next), next) == RecordParse::kOk,
              "damage does not end at a valid record", item.next);
      }
      ++w.damaged;
      w.damaged_bytes += item.next - offset;
      w.last_damage_start = offset;
      w.last_damage_end = item.next;
    }
    offset = item.next;
  }
  return w;
}

void check_parse(std::string_view buf) {
  RecordView r;
  if (parse_record(buf, r) != RecordParse::kOk) return;
  check(r.payload.data() == buf.data() + kRecordHeaderBytes, "payload not after the header");
  check(record_size(r.payload.size()) <= buf.size(), "record larger than its buffer");
  std::string again;
  append_record(again, r.payload, r.time_ms);
  check(again == buf.substr(0, again.size()), "re-encoding differs");
  // The tail cache's unchecked read agrees with the checked one on a valid record.
  RecordView own;
  check(read_own_record(buf, own) && own.payload == r.payload && own.time_ms == r.time_ms,
        "read_own_record differs from parse_record");
}

void check_round_trip(const uint8_t* data, size_t size) {
  size_t n = size == 0 ? 0 : data[0] % (size + 1);
  std::string_view payload(reinterpret_cast<const char*>(data), n);
  std::string framed;
  append_record(framed, payload, 1234567890123ull);
  RecordView r;
  check(parse_record(framed, r) == RecordParse::kOk, "a framed record does not parse");
  check(r.payload == payload && r.time_ms == 1234567890123ull, "round trip differs");
  // Every strict prefix is incomplete, never a different record.
  for (size_t cut : {size_t(0), framed.size() / 2, framed.size() - 1}) {
    if (cut < framed.size()) {
      check(parse_record(std::string_view(framed).substr(0, cut), r) == RecordParse::kIncomplete,
            "a cut record is not incomplete", cut);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SegmentFile file;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_parse(bytes);
  check_round_trip(data, size);

  file.write_all(bytes);
  Walk whole = walk(file, bytes, size);

  auto scan = scan_segment(file.path, 0, /*tail=*/false);
  check(static_cast<bool>(scan), "scan_segment failed");
  check(scan->lines == whole.records, "scan and reader disagree on records");
  check(scan->payload_bytes == whole.payload_bytes, "scan and reader disagree on bytes");
  check(scan->damaged_regions == whole.damaged, "scan and reader disagree on damage");
  check(scan->damaged_bytes == whole.damaged_bytes, "scan and reader disagree on damaged bytes");
  check(!scan->torn && scan->valid_end == size, "a non-tail scan ends before the file");

  auto tail = scan_segment(file.path, 0, /*tail=*/true);
  check(static_cast<bool>(tail), "tail scan_segment failed");
  bool torn_end = whole.damaged > 0 && whole.last_damage_end == size;
  check(tail->torn == torn_end, "torn flag does not match damage at the end");
  if (torn_end) {
    check(tail->valid_end == whole.last_damage_start, "torn tail cut at the wrong place");
  } else {
    check(tail->valid_end == size, "an intact tail does not end at the file's end");
  }

  // What a writer had written so far: a prefix chosen by the last byte.
  if (size > 0) {
    uint64_t limit = data[size - 1] % (size + 1);
    // (It may find other records than the whole walk: a record cut by the limit is damage,
    // and a resynchronising scan may find records inside it. walk() checks the bounds.)
    walk(file, bytes, limit);
  }
  return 0;
}

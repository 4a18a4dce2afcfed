#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "queue/disk/crc32c.h"
#include "queue/disk/disk_queue.h"
#include "queue/disk/ledger.h"
#include "queue/disk/queue_dir.h"
#include "queue/disk/queue_inspect.h"
#include "queue/disk/queue_replay.h"
#include "queue/disk/record_format.h"
#include "queue/disk/recovery.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sluice_disk_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string line_n(size_t i) {
  return fmt::format("line {:06} {}", i, std::string(i % 37, 'x'));
}

DiskQueueOptions options(const std::string& dir) {
  DiskQueueOptions o;
  o.dir = dir;
  o.fsync = FsyncMode::kNever;
  o.fsync_interval = std::chrono::milliseconds(5);
  return o;
}

std::unique_ptr<EndpointQueue> open_ok(const DiskQueueOptions& o) {
  auto q = open_disk_queue(o);
  EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message());
  return q.ok() ? std::move(*q) : nullptr;
}

void push_lines(EndpointQueue& q, size_t first, size_t count) {
  LineBatch b;
  for (size_t i = first; i < first + count; ++i) b.add(line_n(i));
  PushResult r = q.push(b);
  ASSERT_EQ(r.accepted, count);
}

// Takes and acks everything, returning the lines in delivery order.
std::vector<std::string> drain(EndpointQueue& q, size_t max_lines = 100) {
  std::vector<std::string> out;
  Lease lease;
  while (q.take(max_lines, 1 << 20, lease)) {
    for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
    q.ack(lease);
  }
  return out;
}

std::vector<std::string> expected_lines(size_t first, size_t count, size_t skip = SIZE_MAX) {
  std::vector<std::string> out;
  for (size_t i = first; i < first + count; ++i) {
    if (i != skip) out.push_back(line_n(i));
  }
  return out;
}

// Offsets where each record of a segment starts, from a scan.
std::vector<uint64_t> record_offsets(const std::string& path) {
  std::vector<uint64_t> offsets;
  auto scan = scan_segment(path, 0, false, [&](uint64_t off, const RecordView&) {
    offsets.push_back(off);
    return true;
  });
  EXPECT_TRUE(scan.ok());
  return offsets;
}

void copy_dir(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

// ---- CRC32C and framing -----------------------------------------------------------------------

TEST(Crc32c, KnownVectorsAndBothImplementationsAgree) {
  // The check value of CRC-32C (RFC 3720 B.4 and every CRC catalogue).
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c_portable("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string data(rng() % 300, '\0');
    for (char& c : data) c = char(rng());
    EXPECT_EQ(crc32c(data), crc32c_portable(data.data(), data.size()));
    // Continuing from a previous result equals one pass.
    size_t cut = data.empty() ? 0 : rng() % data.size();
    EXPECT_EQ(crc32c(data.substr(cut), crc32c(data.substr(0, cut))), crc32c(data));
  }
}

TEST(RecordFormat, RoundTripsAndDetectsEveryFlippedByteAndTruncation) {
  std::string buf;
  append_record(buf, "hello world", 1234567);
  ASSERT_EQ(buf.size(), record_size(11));
  RecordView r;
  ASSERT_EQ(parse_record(buf, r), RecordParse::kOk);
  EXPECT_EQ(r.payload, "hello world");
  EXPECT_EQ(r.time_ms, 1234567u);
  for (size_t i = 0; i < buf.size(); ++i) {
    std::string bad = buf;
    bad[i] ^= 0x01;
    EXPECT_NE(parse_record(bad, r), RecordParse::kOk) << "byte " << i;
  }
  for (size_t n = 0; n < buf.size(); ++n) {
    EXPECT_EQ(parse_record(std::string_view(buf).substr(0, n), r), RecordParse::kIncomplete)
        << "length " << n;
  }
  std::string huge(kRecordHeaderBytes, '\xff');  // length 0xffffffff
  EXPECT_EQ(parse_record(huge, r), RecordParse::kBad);
}

TEST(Ledger, KeepsTheNewestValidSlot) {
  TempDir dir;
  std::string path = dir.path() + "/ledger";
  {
    auto l = Ledger::open(path);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->position(), 0u);
    ASSERT_TRUE(l->store(pack_position(3, 100), false).ok());
    ASSERT_TRUE(l->store(pack_position(3, 200), false).ok());
  }
  EXPECT_EQ(Ledger::read(path), pack_position(3, 200));
  // Damage the newer slot (sequence 2 lives in slot 0): the older one is used.
  {
    int fd = ::open(path.c_str(), O_RDWR);
    char junk = 0x55;
    ASSERT_EQ(::pwrite(fd, &junk, 1, 20), 1);
    ::close(fd);
  }
  EXPECT_EQ(Ledger::read(path), pack_position(3, 100));
}

TEST(Ledger, BothSlotsOwnTheirBlocksBeforeTheFirstStore) {
  // A ledger that first needs a block when the disk is already full can never record that the
  // queue drained, so no segment is ever deleted and the disk stays full. It gets its blocks at
  // open instead.
  TempDir dir;
  std::string path = dir.path() + "/ledger";
  {
    auto l = Ledger::open(path);
    ASSERT_TRUE(l.ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 64);
    EXPECT_GT(st.st_blocks, 0);
    EXPECT_EQ(l->position(), 0u);
    ASSERT_TRUE(l->store(pack_position(2, 10), false).ok());
  }
  // Reopening an existing ledger changes nothing.
  auto l = Ledger::open(path);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->position(), pack_position(2, 10));
  ASSERT_TRUE(l->store(pack_position(2, 20), false).ok());
  EXPECT_EQ(Ledger::read(path), pack_position(2, 20));
}

TEST(QueueDir, EscapesNamesIntoSafeDirectories) {
  EXPECT_EQ(escape_path_name("svc1"), "svc1");
  EXPECT_EQ(escape_path_name("../x"), "%2E.%2Fx");
  EXPECT_EQ(unescape_path_name(escape_path_name("a/b c%")), "a/b c%");
  EXPECT_EQ(unescape_path_name(escape_path_name(".hidden")), ".hidden");
}

// ---- the queue --------------------------------------------------------------------------------

TEST(DiskQueue, DeliversInOrderAndSurvivesReopen) {
  TempDir dir;
  auto o = options(dir.path());
  {
    auto q = open_ok(o);
    push_lines(*q, 0, 100);
    EXPECT_EQ(q->depth().lines, 100u);
    Lease lease;
    ASSERT_TRUE(q->take(30, 1 << 20, lease));
    q->ack(lease);
    EXPECT_EQ(q->depth().lines, 70u);
  }
  auto q = open_ok(o);
  EXPECT_EQ(q->depth().lines, 70u);
  EXPECT_EQ(drain(*q), expected_lines(30, 70));
  EXPECT_EQ(q->depth().lines, 0u);
  EXPECT_EQ(q->depth().bytes, 0u);
}

TEST(DiskQueue, PartialAcksNacksAndOutOfOrderAcksKeepOrderAndPosition) {
  TempDir dir;
  auto o = options(dir.path());
  {
    auto q = open_ok(o);
    push_lines(*q, 0, 50);
    Lease a, b, c;
    ASSERT_TRUE(q->take(10, 1 << 20, a));  // 0..9
    ASSERT_TRUE(q->take(10, 1 << 20, b));  // 10..19
    ASSERT_TRUE(q->take(10, 1 << 20, c));  // 20..29
    q->ack(c);                             // out of order: the position cannot move yet
    q->ack(b, 4);                          // 10..13 delivered, 14..19 back
    q->nack(a);                            // 0..9 back, ahead of 14..19
    EXPECT_EQ(q->depth().lines, 50u - 10 - 4);
    Lease d;
    ASSERT_TRUE(q->take(100, 1 << 20, d));
    EXPECT_EQ(d.lines.line(0), line_n(0));
    EXPECT_EQ(d.lines.size(), 10u);  // a lease does not mix given-back ranges
    q->ack(d, 5);                    // 0..4 delivered; acked now: 0..4, 10..13, 20..29
  }
  // Reopen: only 0..4 is contiguous from the start, so the ledger resumes at 5; 10..13 and
  // 20..29 come again (at-least-once), nothing is lost.
  auto q = open_ok(o);
  EXPECT_EQ(drain(*q), expected_lines(5, 45));
}

TEST(DiskQueue, TornLastRecordIsCutOffAtEveryOffset) {
  TempDir dir;
  std::string base = dir.path() + "/base";
  constexpr size_t kLines = 20;
  {
    auto q = open_ok(options(base));
    push_lines(*q, 0, kLines);
  }
  std::string seg = segment_path(base, list_segments(base).back());
  std::vector<uint64_t> offsets = record_offsets(seg);
  ASSERT_EQ(offsets.size(), kLines);
  uint64_t last_start = offsets.back(), file_size = fs::file_size(seg);
  for (uint64_t cut = last_start; cut < file_size; ++cut) {
    std::string work = dir.path() + "/work";
    copy_dir(base, work);
    fs::resize_file(segment_path(work, list_segments(work).back()), cut);
    auto q = open_ok(options(work));
    ASSERT_TRUE(q);
    auto st = q->storage_stats();
    ASSERT_TRUE(st);
    // Cut exactly at the boundary: the record is simply gone, nothing is torn.
    EXPECT_EQ(st->recovered_torn_records, cut == last_start ? 0u : 1u) << "cut at " << cut;
    EXPECT_EQ(st->corrupt_records_skipped, 0u);
    EXPECT_EQ(drain(*q), expected_lines(0, kLines - 1)) << "cut at " << cut;
    // New lines append after the cut: the torn bytes are gone from the file.
    push_lines(*q, 1000, 3);
    EXPECT_EQ(drain(*q), expected_lines(1000, 3));
    q.reset();
    EXPECT_EQ(open_ok(options(work))->depth().lines, 0u);
  }
}

TEST(DiskQueue, CorruptRecordInTheMiddleIsSkippedAndCounted) {
  TempDir dir;
  constexpr size_t kLines = 50, kBad = 23;
  {
    auto q = open_ok(options(dir.path()));
    push_lines(*q, 0, kLines);
  }
  std::string seg = segment_path(dir.path(), list_segments(dir.path()).back());
  std::vector<uint64_t> offsets = record_offsets(seg);
  for (uint64_t damage : {offsets[kBad] + kRecordHeaderBytes + 3, offsets[kBad] + 1}) {
    TempDir work;
    copy_dir(dir.path(), work.path() + "/q");
    std::string wseg = segment_path(work.path() + "/q", list_segments(dir.path()).back());
    {
      std::fstream f(wseg, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(long(damage));
      f.put('\x7f');
    }
    auto reports = inspect_storage_dir(work.path() + "/q");
    ASSERT_TRUE(reports.ok());
    ASSERT_EQ(reports->size(), 1u);
    EXPECT_EQ((*reports)[0].damaged_regions, 1u);
    EXPECT_EQ((*reports)[0].records, kLines - 1);
    auto q = open_ok(options(work.path() + "/q"));
    EXPECT_EQ(q->storage_stats()->corrupt_records_skipped, 1u);
    EXPECT_EQ(q->storage_stats()->corrupt_bytes_skipped, offsets[kBad + 1] - offsets[kBad]);
    EXPECT_EQ(q->storage_stats()->recovered_torn_records, 0u);
    EXPECT_EQ(drain(*q, 7), expected_lines(0, kLines, kBad));
    EXPECT_EQ(q->storage_stats()->corrupt_records_skipped, 1u);  // not counted twice
  }
}

TEST(DiskQueue, SegmentsRollOverAndAreDeletedOnceAcknowledged) {
  TempDir dir;
  auto o = options(dir.path());
  o.segment_bytes = 4096;
  auto q = open_ok(o);
  for (size_t i = 0; i < 10; ++i) push_lines(*q, i * 100, 100);
  size_t segments = list_segments(dir.path()).size();
  EXPECT_GT(segments, 10u);
  for (uint64_t id : list_segments(dir.path())) {
    EXPECT_LE(fs::file_size(segment_path(dir.path(), id)), 4096u);
  }
  auto lines = drain(*q, 33);
  EXPECT_EQ(lines, expected_lines(0, 1000));
  // The flusher deletes acknowledged segments after writing the ledger (every 5 ms here).
  for (int i = 0; i < 200 && list_segments(dir.path()).size() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(list_segments(dir.path()).size(), 1u);  // the active one
  EXPECT_EQ(q->storage_stats()->unacked_bytes, 0u);
  q.reset();
  EXPECT_EQ(open_ok(o)->depth().lines, 0u);
}

TEST(DiskQueue, MaxBytesBlocksThenResumesWhenAcked) {
  TempDir dir;
  auto o = options(dir.path());
  o.max_bytes = 10 * record_size(line_n(0).size() + 40);
  auto q = open_ok(o);
  std::atomic<int> space_calls{0};
  q->set_space_callback([&] { ++space_calls; });
  LineBatch b;
  for (size_t i = 0; i < 30; ++i) b.add(line_n(i));
  PushResult r = q->push(b);
  EXPECT_TRUE(r.full);
  EXPECT_GT(r.accepted, 0u);
  EXPECT_LT(r.accepted, 30u);
  EXPECT_EQ(b.size(), 30 - r.accepted);  // the caller keeps the rest
  EXPECT_EQ(r.dropped_newest + r.dropped_oldest, 0u);
  Lease lease;
  ASSERT_TRUE(q->take(100, 1 << 20, lease));
  q->ack(lease);
  EXPECT_EQ(space_calls.load(), 1);
  PushResult r2 = q->push(b);
  EXPECT_GT(r2.accepted, 0u);
}

TEST(DiskQueue, MaxBytesDropNewestAndDropOldestCount) {
  for (WhenFull policy : {WhenFull::kDropNewest, WhenFull::kDropOldest}) {
    TempDir dir;
    auto o = options(dir.path());
    o.when_full = policy;
    o.max_bytes = 10 * record_size(8);  // ten lines of 8 bytes
    auto q = open_ok(o);
    LineBatch old_lines, new_lines;
    for (size_t i = 0; i < 10; ++i) old_lines.add(fmt::format("old {:04}", i));
    for (size_t i = 0; i < 5; ++i) new_lines.add(fmt::format("new {:04}", i));
    ASSERT_EQ(q->push(old_lines).accepted, 10u);
    PushResult r = q->push(new_lines);
    EXPECT_TRUE(new_lines.empty());
    EXPECT_FALSE(r.full);
    std::vector<std::string> got = drain(*q);
    ASSERT_EQ(got.size(), 10u);
    if (policy == WhenFull::kDropNewest) {
      EXPECT_EQ(r.dropped_newest, 5u);
      EXPECT_EQ(got.back(), "old 0009");
    } else {
      EXPECT_EQ(r.dropped_oldest, 5u);
      EXPECT_EQ(r.accepted, 5u);
      EXPECT_EQ(got.front(), "old 0005");
      EXPECT_EQ(got.back(), "new 0004");
    }
  }
}

// ENOSPC is injected through the write hook: mounting a small tmpfs needs privileges a test
// cannot count on (the e2e test mounts one when it can).
TEST(DiskQueue, DiskFullBlocksWithoutLosingWhatIsOnDiskAndResumes) {
  TempDir dir;
  auto o = options(dir.path());
  std::atomic<bool> full{false};
  std::atomic<int> short_writes{0};
  o.write = [&](int fd, const void* p, size_t n) -> ssize_t {
    if (full) {
      // A short write first, as a filling disk does, then ENOSPC.
      if (short_writes++ % 2 == 0 && n > 1) return ::write(fd, p, n / 2);
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, p, n);
  };
  {
    auto q = open_ok(o);
    push_lines(*q, 0, 20);
    full = true;
    LineBatch b;
    for (size_t i = 20; i < 30; ++i) b.add(line_n(i));
    testing::internal::CaptureStderr();
    PushResult r = q->push(b);
    std::string logged = testing::internal::GetCapturedStderr();
    EXPECT_NE(logged.find(dir.path() + ": the disk is full ("), std::string::npos) << logged;
    EXPECT_NE(logged.find("new lines wait"), std::string::npos) << logged;
    EXPECT_EQ(r.accepted, 0u);
    EXPECT_TRUE(r.full);
    EXPECT_EQ(b.size(), 10u);
    auto st = q->storage_stats();
    EXPECT_TRUE(st->disk_full);
    EXPECT_EQ(st->disk_full_errors, 1u);
    EXPECT_NE(st->last_error.find("No space left"), std::string::npos) << st->last_error;
    EXPECT_EQ(q->depth().lines, 20u);
    full = false;
    testing::internal::CaptureStderr();
    r = q->push(b);
    logged = testing::internal::GetCapturedStderr();
    EXPECT_NE(logged.find(dir.path() + ": writing again; the disk was full for "),
              std::string::npos)
        << logged;
    EXPECT_EQ(r.accepted, 10u);
    EXPECT_FALSE(q->storage_stats()->disk_full);
  }
  // The half-written record was taken back: no torn record, nothing lost.
  auto q = open_ok(options(dir.path()));
  EXPECT_EQ(q->storage_stats()->recovered_torn_records, 0u);
  EXPECT_EQ(drain(*q), expected_lines(0, 30));
}

// Descriptors this process holds on files under `dir` that were unlinked.
std::vector<std::string> deleted_files_held(const std::string& dir) {
  std::vector<std::string> held;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    std::string target = fs::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind(dir, 0) == 0 && target.find("(deleted)") != std::string::npos)
      held.push_back(target);
  }
  return held;
}

TEST(DiskQueue, DeletedSegmentsAreNotHeldOpenByTheReader) {
  // After a roll whose first append fails (disk full), the new segment is empty: the reader
  // finishes the old one and the tail cache serves the new one, so the reader never reopens.
  // Its descriptor on the old segment must not outlive the segment, or the deleted file's
  // blocks stay in use.
  TempDir dir;
  auto o = options(dir.path());
  o.segment_bytes = 4096;
  std::atomic<bool> full{false};
  o.write = [&](int fd, const void* p, size_t n) -> ssize_t {
    if (full) {
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, p, n);
  };
  auto q = open_ok(o);
  size_t pushed = 0;
  std::string first = segment_path(dir.path(), 1);
  while (fs::file_size(first) + record_size(line_n(pushed).size()) <= 4096)
    push_lines(*q, pushed++, 1);
  EXPECT_EQ(drain(*q), expected_lines(0, pushed));  // read from the file
  full = true;
  LineBatch b;
  b.add(line_n(pushed));
  EXPECT_EQ(q->push(b).accepted, 0u);  // rolled to segment 2, whose first append failed
  EXPECT_EQ(list_segments(dir.path()), (std::vector<uint64_t>{1, 2}));
  Lease none;
  EXPECT_FALSE(q->take(100, 1 << 20, none));  // caught up at the start of the empty segment 2
  full = false;
  EXPECT_EQ(q->push(b).accepted, 1u);
  EXPECT_EQ(drain(*q), expected_lines(pushed, 1));  // from the tail cache; segment 1 acked
  for (int i = 0; i < 400 && fs::exists(first); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_FALSE(fs::exists(first));
  EXPECT_EQ(deleted_files_held(dir.path()), std::vector<std::string>{});
}

TEST(DiskQueue, DiskFullWithDropPolicyDropsAndCounts) {
  TempDir dir;
  auto o = options(dir.path());
  o.when_full = WhenFull::kDropNewest;
  o.write = [](int, const void*, size_t) -> ssize_t {
    errno = ENOSPC;
    return -1;
  };
  auto q = open_ok(o);
  LineBatch b;
  for (size_t i = 0; i < 5; ++i) b.add(line_n(i));
  PushResult r = q->push(b);
  EXPECT_EQ(r.dropped_newest, 5u);
  EXPECT_EQ(q->storage_stats()->disk_full_errors, 1u);
}

TEST(DiskQueue, KeepAckedRetainsSegmentsForReplay) {
  TempDir dir;
  auto o = options(dir.path());
  o.segment_bytes = 2048;
  o.keep_acked = 1 << 20;
  auto q = open_ok(o);
  push_lines(*q, 0, 200);
  EXPECT_EQ(drain(*q).size(), 200u);
  q.reset();
  std::vector<std::string> replayed;
  auto n = visit_acked_records(
      dir.path(), 0, [&](std::string_view line, uint64_t) { replayed.emplace_back(line); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(replayed, expected_lines(0, 200));
  // Nothing was appended in the future.
  auto none = visit_acked_records(dir.path(), UINT64_MAX / 2, [](std::string_view, uint64_t) {});
  EXPECT_EQ(*none, 0u);

  // Without keep_acked the acknowledged segments go away.
  TempDir dir2;
  auto o2 = options(dir2.path());
  o2.segment_bytes = 2048;
  q = open_ok(o2);
  push_lines(*q, 0, 200);
  drain(*q);
  q.reset();
  auto some = visit_acked_records(dir2.path(), 0, [](std::string_view, uint64_t) {});
  EXPECT_LT(*some, 200u);
}

TEST(DiskQueue, DeadLettersAreKeptAndInspectable) {
  TempDir dir;
  std::string qdir = endpoint_queue_dir(dir.path(), "svc", "ep");
  auto q = open_ok(options(qdir));
  push_lines(*q, 0, 5);
  Lease lease;
  ASSERT_TRUE(q->take(5, 1 << 20, lease));
  q->dead_letter(lease, 1, 2);
  q->ack(lease);
  EXPECT_EQ(q->storage_stats()->dead_letter_lines, 2u);
  q.reset();
  auto reports = inspect_storage_dir(dir.path());
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].service, "svc");
  EXPECT_EQ((*reports)[0].endpoint, "ep");
  EXPECT_EQ((*reports)[0].dead_letter_records, 2u);
  EXPECT_EQ((*reports)[0].records, 0u);
}

TEST(DiskQueue, SecondOpenOfTheSameDirectoryIsRefused) {
  TempDir dir;
  auto q = open_ok(options(dir.path()));
  auto again = open_disk_queue(options(dir.path()));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("in use"), std::string::npos);
}

TEST(DiskQueue, FsyncAlwaysCompletesDurabilityWaiters) {
  TempDir dir;
  auto o = options(dir.path());
  o.fsync = FsyncMode::kAlways;
  o.fsync_interval = std::chrono::milliseconds(1000);  // waiters must not wait for the tick
  auto q = open_ok(o);
  push_lines(*q, 0, 10);
  std::atomic<bool> done{false};
  auto start = std::chrono::steady_clock::now();
  q->when_durable([&] { done = true; });
  for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(done.load());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      f >> kib;
      return kib;
    }
    f.ignore(1 << 10, '\n');
  }
  return 0;
}

// A backlog far larger than the read window must not be held in memory: push 64 MiB, then read it
// all back, watching the resident set.
TEST(DiskQueue, MemoryStaysBoundedWithALargeBacklog) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine, so RSS measures the sanitizer, not the queue.
  GTEST_SKIP() << "RSS is not the queue's under ASan";
#endif
  TempDir dir;
  auto o = options(dir.path());
  o.segment_bytes = 8 << 20;
  o.max_bytes = 1ull << 30;
  auto q = open_ok(o);
  std::string payload(1000, 'p');
  long before = rss_kib();
  LineBatch b;
  constexpr size_t kLines = 64 * 1024;
  for (size_t i = 0; i < kLines; ++i) {
    b.add(fmt::format("{:08} {}", i, payload));
    if (b.size() == 512) {
      ASSERT_EQ(q->push(b).accepted, 512u);
    }
  }
  EXPECT_EQ(q->depth().lines, kLines);
  EXPECT_GT(q->storage_stats()->unacked_bytes, 64u << 20);
  long peak = rss_kib();
  Lease lease;
  size_t next = 0;
  while (q->take(500, 1 << 20, lease)) {
    for (size_t i = 0; i < lease.lines.size(); ++i) {
      ASSERT_EQ(lease.lines.line(i).substr(0, 8), fmt::format("{:08}", next++));
    }
    q->ack(lease);
    peak = std::max(peak, rss_kib());
  }
  EXPECT_EQ(next, kLines);
  // 64 MiB went through; the queue may use its window and batches, not the backlog.
  EXPECT_LT(peak - before, 16 * 1024) << "RSS grew by " << (peak - before) << " KiB";
}

// Random pushes, takes, partial acks, nacks and reopenings against a model (how often each line
// was acknowledged): every line pushed is delivered at least once, however the operations
// interleave. Repeats are allowed: acks beyond the contiguous acknowledged position are not
// persisted, so such lines come again after a reopening.
// The tail cache serves a reader that keeps up from memory; a backlog past its cap, a roll to a
// new segment and a catch-up switch between memory and file. Whatever the path, every line comes
// out once, in order, intact.
TEST(DiskQueue, TailCacheAndFileReadsAgreeThroughBacklogAndRolls) {
  TempDir dir;
  auto o = options(dir.path());
  o.segment_bytes = 3u << 20;
  auto q = open_ok(o);
  std::vector<std::string> got;
  Lease lease;
  auto take_some = [&](size_t max_lines) {
    if (!q->take(max_lines, 1 << 20, lease)) return false;
    for (size_t i = 0; i < lease.lines.size(); ++i) got.emplace_back(lease.lines.line(i));
    q->ack(lease);
    return true;
  };
  size_t pushed = 0;
  EXPECT_FALSE(take_some(100));  // caught up: the cache is on
  for (int round = 0; round < 60; ++round) {
    // Rounds 20-29 build a backlog of several MiB (past the cache's cap); the others keep up.
    size_t n = round >= 20 && round < 30 ? 20000 : 500;
    push_lines(*q, pushed, n);
    pushed += n;
    if (round < 20 || round >= 30) {
      while (take_some(round % 2 ? 700 : 90)) {
      }
    }
  }
  for (const std::string& line : drain(*q, 333)) got.push_back(line);
  EXPECT_EQ(got, expected_lines(0, pushed));
}

TEST(DiskQueue, ModelRandomOperationsAndReopens) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    TempDir dir;
    auto o = options(dir.path());
    o.segment_bytes = 1024 + seed * 512;
    std::mt19937 rng(seed);
    auto q = open_ok(o);
    size_t pushed = 0;
    std::vector<int> acked;  // times each line was acknowledged
    std::vector<Lease> leases;
    auto line_index = [](std::string_view line) {
      return size_t(std::stoul(std::string(line.substr(5, 6))));
    };
    for (int step = 0; step < 400; ++step) {
      switch (rng() % 6) {
        case 0:
        case 1: {
          size_t n = 1 + rng() % 20;
          push_lines(*q, pushed, n);
          pushed += n;
          acked.resize(pushed, 0);
          break;
        }
        case 2: {
          Lease l;
          if (q->take(1 + rng() % 15, 1 << 20, l)) leases.push_back(std::move(l));
          break;
        }
        case 3:
        case 4: {
          if (leases.empty()) break;
          size_t k = rng() % leases.size();
          Lease l = std::move(leases[k]);
          leases.erase(leases.begin() + long(k));
          size_t count = rng() % (l.lines.size() + 1);
          for (size_t i = 0; i < count; ++i) ++acked[line_index(l.lines.line(i))];
          q->ack(l, count);
          break;
        }
        case 5:
          if (rng() % 8 == 0) {
            leases.clear();  // leases die with the process
            q.reset();
            q = open_ok(o);
          }
          break;
      }
    }
    leases.clear();
    q.reset();
    q = open_ok(o);
    for (const std::string& line : drain(*q, 13)) ++acked[line_index(line)];
    for (size_t i = 0; i < pushed; ++i) EXPECT_GE(acked[i], 1) << "seed " << seed << " line " << i;
    EXPECT_EQ(q->depth().lines, 0u);
  }
}

}  // namespace
}  // namespace sluice

#include "queue/disk/disk_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "core/log.h"
#include "queue/disk/dead_letter_segments.h"
#include "queue/disk/ledger.h"
#include "queue/disk/queue_dir.h"
#include "queue/disk/record_format.h"
#include "queue/disk/recovery.h"
#include "queue/disk/segment_reader.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// Big enough for a few of the sink's takes; small next to the read window's 1 MiB plus leases.
constexpr size_t kTailCacheBytes = 4u << 20;

uint64_t now_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

// Framed size of lines [0, n) of a batch.
uint64_t framed_bytes(const LineBatch& b, size_t n) {
  return n * kRecordHeaderBytes + b.bytes_before(n);
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The disk-backed endpoint queue.
//
// Layout and positions: see queue_dir.h. Everything between the acknowledged position
// (`frontier_`) and the end of the active segment is unacknowledged, and is at any time in
// exactly one of three places, each a contiguous range of the log:
//   - leased: taken by the sink (leases_, start position per lease; its lines are in the Lease);
//   - redo: given back by a partial ack or nack, kept in memory in order (redo_), taken first;
//   - unread: on disk from read_pos_ on, read through a bounded window as the sink takes it.
// Acked ranges go into acked_ and the frontier advances over them, so acks may arrive in any
// order. Memory is bounded by the leases and the read window, not by the backlog.
//
// Tail cache: while the sink keeps up (no backlog), what it takes was appended moments ago. The
// queue keeps a copy of the records appended to the active segment since the reader last caught
// up (at most kTailCacheBytes) and serves take() from it: the file is still written exactly as
// before (durability is unchanged), but reading it back (a pread copy and a checksum per record)
// is skipped. It was the largest cost of the disk queue over the memory queue on the delivery
// thread. When a backlog builds beyond the cap the cache is dropped, and the reader reads from
// disk until it catches up again; a roll to a new segment drops it too.
//
// A lease never crosses a segment boundary or a damaged run, so the position after its first k
// lines is start + framed_bytes(k). Damaged runs found by the reader are acked at once, counted.
//
// Threading: one mutex for the state. A flusher thread does the slow file work outside it:
// fsync (per fsync mode), ledger writes, deleting acknowledged segments (only after the ledger
// that passes them is written), completing when_durable() waiters, and, while the disk is full,
// waking blocked sources on every interval so they retry.
class DiskQueue final : public EndpointQueue {
 public:
  explicit DiskQueue(DiskQueueOptions options)
      : opts_(std::move(options)),
        dead_(opts_.dir, opts_.segment_bytes, opts_.write, opts_.fsync != FsyncMode::kNever) {}
  ~DiskQueue() override;

  Status open();

  PushResult push(LineBatch& batch) override;
  bool take(size_t max_lines, size_t max_bytes, Lease& out) override;
  void ack(Lease& lease, size_t count) override;
  void set_data_callback(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    data_callback_ = std::move(callback);
  }
  void set_space_callback(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    space_callback_ = std::move(callback);
  }
  QueueDepth depth() const override {
    std::lock_guard lock(mu_);
    return QueueDepth{ready_lines_ + leased_lines_, ready_bytes_ + leased_bytes_, leased_lines_};
  }
  void when_durable(std::function<void()> done) override;
  bool durable() const override { return true; }
  void dead_letter(const Lease& lease, size_t first, size_t count) override;
  std::optional<StorageStats> storage_stats() const override;

 private:
  struct Segment {
    uint64_t id = 0;
    uint64_t size = 0;  // the active (last) segment's size is writer_->size()
  };

  [[nodiscard]] uint64_t segment_size(const Segment& s) const {
    return &s == &segments_.back() ? writer_->size() : s.size;
  }
  // Segments are few (backlog / segment size), and the reader is near the front.
  [[nodiscard]] size_t find_segment(uint64_t id) const {
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (segments_[i].id == id) return i;
    }
    return segments_.size();
  }
  uint64_t room() const {
    return unacked_bytes_ >= opts_.max_bytes ? 0 : opts_.max_bytes - unacked_bytes_;
  }

  size_t write_lines(const LineBatch& batch, size_t n);
  bool append_chunk(const LineBatch& batch, size_t first, size_t count);
  void cache_chunk(uint64_t chunk_offset);
  bool roll();
  bool take_locked(size_t max_lines, size_t max_bytes, Lease& out);
  void ack_locked(Lease& lease, size_t count);
  void mark_acked(uint64_t begin, uint64_t end);
  void advance_frontier();
  size_t evict_oldest(uint64_t need);
  void record_error(std::string message, bool disk_full);
  void flusher_loop();
  void flush_round(std::unique_lock<std::mutex>& lock);

  const DiskQueueOptions opts_;
  int lock_fd_ = -1;
  Ledger ledger_;  // used by open() and then by the flusher thread only

  mutable std::mutex mu_;
  std::condition_variable flusher_cv_;
  std::deque<Segment> retained_;  // fully acknowledged, kept for replay (keep_acked)
  uint64_t retained_bytes_ = 0;
  std::deque<Segment> segments_;  // from the frontier's segment to the active one
  std::unique_ptr<SegmentWriter> writer_;
  std::string encode_buf_;
  SegmentReader reader_;
  uint64_t reader_segment_ = 0;
  // Tail cache (above): the records of segment tail_segment_ from offset tail_begin_ on.
  bool tail_active_ = false;
  uint64_t tail_segment_ = 0;
  uint64_t tail_begin_ = 0;
  std::string tail_cache_;
  uint64_t read_pos_ = 0;
  uint64_t frontier_ = 0;
  uint64_t scanned_end_ = 0;  // damage before this was counted by recovery already
  std::map<uint64_t, LineBatch> redo_;
  std::unordered_map<uint64_t, uint64_t> leases_;  // lease id -> start position
  std::map<uint64_t, uint64_t> acked_;             // begin -> end, beyond the frontier
  uint64_t last_lease_id_ = 0;
  uint64_t ready_lines_ = 0, ready_bytes_ = 0;    // redo + unread
  uint64_t leased_lines_ = 0, leased_bytes_ = 0;  // payload bytes
  uint64_t unacked_bytes_ = 0;                    // framed, from the frontier to the end
  bool consumer_waiting_ = true;
  bool full_reported_ = false;
  std::function<void()> data_callback_, space_callback_;
  StorageStats stats_;
  Clock::time_point disk_full_since_{};

  // Flusher state.
  std::thread flusher_;
  bool stopping_ = false;
  uint64_t written_seq_ = 0;  // bytes appended since open
  uint64_t synced_seq_ = 0;   // bytes fsynced since open
  std::vector<int> to_sync_;  // descriptors of rolled-over segments, closed by the flusher
  bool dir_dirty_ = false;
  uint64_t ledger_pos_ = 0;
  std::vector<uint64_t> deletable_;  // acknowledged segment ids to unlink after the ledger
  std::vector<std::pair<uint64_t, std::function<void()>>> waiters_;

  DeadLetterSegments dead_;
};

DiskQueue::~DiskQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  for (int fd : to_sync_) ::close(fd);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status DiskQueue::open() {
  if (Status s = make_dirs(opts_.dir); !s) return s;
  std::string lock_path = opts_.dir + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd_ < 0) return Error(fmt::format("{}: cannot open: {}", lock_path, strerror(errno)));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error(
        fmt::format("{}: the queue is in use by another process ({})", lock_path, strerror(errno)));
  }
  auto ledger = Ledger::open(opts_.dir + "/ledger");
  if (!ledger) return ledger.error();
  ledger_ = std::move(*ledger);

  std::vector<uint64_t> ids = list_segments(opts_.dir);
  uint64_t pos = ledger_.position();
  uint64_t front_id = position_segment(pos), front_off = position_offset(pos);
  // Segments before the ledger's were acknowledged (kept for replay); a ledger pointing at a
  // deleted segment means that one was fully acknowledged too: resume at the next one.
  auto first_unacked = std::lower_bound(ids.begin(), ids.end(), std::max<uint64_t>(front_id, 1));
  if (first_unacked == ids.end() || *first_unacked != front_id) front_off = 0;
  for (auto it = ids.begin(); it != first_unacked; ++it) {
    struct stat st {};
    uint64_t size = ::stat(segment_path(opts_.dir, *it).c_str(), &st) == 0 ? st.st_size : 0;
    retained_.push_back({*it, size});
    retained_bytes_ += size;
  }
  for (auto it = first_unacked; it != ids.end(); ++it) {
    bool tail = std::next(it) == ids.end();
    std::string path = segment_path(opts_.dir, *it);
    uint64_t from = it == first_unacked ? front_off : 0;
    auto scan = scan_segment(path, from, tail);
    if (!scan) return scan.error();
    uint64_t size = scan->file_size;
    if (scan->torn) {
      // The process died mid-append: cut the partial record off (the writer reopens at
      // valid_end and truncates there).
      ++stats_.recovered_torn_records;
      size = scan->valid_end;
    }
    if (from > size) from = size;
    stats_.corrupt_records_skipped += scan->damaged_regions;
    stats_.corrupt_bytes_skipped += scan->damaged_bytes;
    ready_lines_ += scan->lines;
    ready_bytes_ += scan->payload_bytes;
    unacked_bytes_ += size - from;
    if (it == first_unacked) front_off = from;
    segments_.push_back({*it, size});
  }
  if (segments_.empty()) {
    uint64_t id = std::max<uint64_t>({front_id, 1, ids.empty() ? 1 : ids.back() + 1});
    segments_.push_back({id, 0});
    front_off = 0;
  }
  frontier_ = pack_position(segments_.front().id, front_off);
  read_pos_ = frontier_;
  ledger_pos_ = ledger_.position();
  writer_ = std::make_unique<SegmentWriter>();
  Segment& active = segments_.back();
  if (Status s = writer_->open(segment_path(opts_.dir, active.id), active.size, opts_.write); !s)
    return s;
  scanned_end_ = pack_position(active.id, active.size);
  if (opts_.fsync != FsyncMode::kNever) {
    ::fdatasync(writer_->fd());  // the truncation of a torn tail, if any
    fsync_dir(opts_.dir);
  }
  if (!retained_.empty()) {
    // Enforce keep_acked now, in case it was lowered since the last run.
    while (!retained_.empty() && retained_bytes_ > opts_.keep_acked) {
      deletable_.push_back(retained_.front().id);
      retained_bytes_ -= retained_.front().size;
      retained_.pop_front();
    }
  }
  flusher_ = std::thread([this] { flusher_loop(); });
  return {};
}

void DiskQueue::record_error(std::string message, bool disk_full) {
  if (disk_full) {
    ++stats_.disk_full_errors;
    if (!stats_.disk_full) {
      // Once per episode: the metrics and /status follow it, but an operator reading the log
      // must see it too. The policy decides what happens to the lines meanwhile.
      disk_full_since_ = Clock::now();
      log_warn("{}: the disk is full ({}); {}", opts_.dir, message,
               opts_.when_full == WhenFull::kBlock
                   ? "new lines wait, and the sources are held, until there is room"
                   : "new lines are dropped and counted until there is room");
    }
    stats_.disk_full = true;
  } else {
    ++stats_.write_errors;
  }
  stats_.last_error = std::move(message);
}

bool DiskQueue::roll() {
  auto next = std::make_unique<SegmentWriter>();
  uint64_t id = segments_.back().id + 1;
  if (Status s = next->open(segment_path(opts_.dir, id), 0, opts_.write); !s) {
    record_error(s.error().message(), false);
    return false;
  }
  segments_.back().size = writer_->size();
  int old = writer_->release_fd();
  if (opts_.fsync == FsyncMode::kNever) {
    ::close(old);
  } else {
    to_sync_.push_back(old);  // the flusher fsyncs and closes it
    dir_dirty_ = true;
  }
  writer_ = std::move(next);
  segments_.push_back({id, 0});
  return true;
}

bool DiskQueue::append_chunk(const LineBatch& batch, size_t first, size_t count) {
  if (count == 0) return true;
  SegmentWriter::AppendError error;
  if (!writer_->append(encode_buf_, error)) {
    record_error(error.message, error.error_number == ENOSPC || error.error_number == EDQUOT);
    return false;
  }
  cache_chunk(writer_->size() - encode_buf_.size());
  uint64_t payload = batch.bytes_before(first + count) - batch.bytes_before(first);
  ready_lines_ += count;
  ready_bytes_ += payload;
  unacked_bytes_ += encode_buf_.size();
  written_seq_ += encode_buf_.size();
  if (stats_.disk_full) {
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - disk_full_since_);
    log_warn("{}: writing again; the disk was full for {} s", opts_.dir, seconds.count());
  }
  stats_.disk_full = false;
  return true;
}

// Keeps a copy of encode_buf_, just appended at `chunk_offset` of the active segment, when the
// tail cache is on and contiguous with it.
void DiskQueue::cache_chunk(uint64_t chunk_offset) {
  if (!tail_active_) return;
  if (tail_segment_ != segments_.back().id || tail_begin_ + tail_cache_.size() != chunk_offset) {
    tail_active_ = false;
    tail_cache_.clear();
    return;
  }
  if (tail_cache_.size() + encode_buf_.size() > kTailCacheBytes) {
    // Full: drop what the reader has passed (leases and redo_ hold their own copies). Only
    // when full, so that the bytes moved stay a fraction of the bytes appended.
    if (position_segment(read_pos_) == tail_segment_ && position_offset(read_pos_) > tail_begin_) {
      size_t consumed =
          size_t(std::min<uint64_t>(position_offset(read_pos_) - tail_begin_, tail_cache_.size()));
      tail_cache_.erase(0, consumed);
      tail_begin_ += consumed;
    }
    if (tail_cache_.size() + encode_buf_.size() > kTailCacheBytes / 2) {
      // A backlog: the reader reads from the file until it catches up again.
      tail_active_ = false;
      tail_cache_.clear();
      return;
    }
  }
  tail_cache_.append(encode_buf_);
}

// Appends lines [0, n) of `batch`, rolling segments as they fill. Returns how many are on disk.
size_t DiskQueue::write_lines(const LineBatch& batch, size_t n) {
  uint64_t time = now_ms();
  encode_buf_.clear();
  size_t chunk_first = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string_view line = batch.line(i);
    uint64_t pending = writer_->size() + encode_buf_.size();
    if (pending > 0 && pending + record_size(line.size()) > opts_.segment_bytes) {
      if (!append_chunk(batch, chunk_first, i - chunk_first)) return chunk_first;
      encode_buf_.clear();
      chunk_first = i;
      if (!roll()) return chunk_first;
    }
    append_record(encode_buf_, line, time);
  }
  if (!append_chunk(batch, chunk_first, n - chunk_first)) return chunk_first;
  encode_buf_.clear();
  if (encode_buf_.capacity() > (4u << 20)) encode_buf_.shrink_to_fit();
  return n;
}

PushResult DiskQueue::push(LineBatch& batch) {
  PushResult result;
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (batch.empty()) return result;
    size_t fit = 0;
    uint64_t space = room();
    if (framed_bytes(batch, batch.size()) > space && opts_.when_full == WhenFull::kDropOldest) {
      result.dropped_oldest = evict_oldest(framed_bytes(batch, batch.size()) - space);
      space = room();
    }
    while (fit < batch.size() && framed_bytes(batch, fit + 1) <= space) ++fit;
    // An empty queue takes one line even past the bound, or a huge line could never pass.
    if (fit == 0 && unacked_bytes_ == 0) fit = 1;
    size_t written = write_lines(batch, fit);
    result.accepted = written;
    if (opts_.when_full == WhenFull::kBlock) {
      result.full = written < batch.size();
      full_reported_ = full_reported_ || result.full;
      batch.drop_front(written);
    } else {
      result.dropped_newest = batch.size() - written;
      batch.clear();
    }
    if (written > 0 && consumer_waiting_ && data_callback_) {
      consumer_waiting_ = false;
      wake = data_callback_;
    }
    if (written > 0 && opts_.fsync == FsyncMode::kAlways) flusher_cv_.notify_one();
  }
  if (wake) wake();
  return result;
}

bool DiskQueue::take(size_t max_lines, size_t max_bytes, Lease& out) {
  std::lock_guard lock(mu_);
  return take_locked(max_lines, max_bytes, out);
}

bool DiskQueue::take_locked(size_t max_lines, size_t max_bytes, Lease& out) {
  out.lines.clear();
  if (max_lines == 0) max_lines = 1;
  uint64_t start = 0;
  if (!redo_.empty()) {
    auto it = redo_.begin();
    LineBatch& b = it->second;
    start = it->first;
    size_t n = 1;
    while (n < b.size() && n < max_lines && b.bytes_before(n + 1) <= max_bytes) ++n;
    if (n == b.size()) {
      out.lines.swap(b);
      redo_.erase(it);
    } else {
      for (size_t i = 0; i < n; ++i) out.lines.add(b.line(i));
      uint64_t next = start + framed_bytes(b, n);
      b.drop_front(n);
      auto node = redo_.extract(it);
      node.key() = next;
      redo_.insert(std::move(node));
    }
  } else {
    while (out.lines.size() < max_lines) {
      uint64_t seg = position_segment(read_pos_), off = position_offset(read_pos_);
      size_t index = find_segment(seg);
      // (Never past the end: the read position is never behind the frontier.)
      if (index == segments_.size()) break;
      uint64_t limit = segment_size(segments_[index]);
      if (off >= limit) {
        if (index + 1 == segments_.size() && (!tail_active_ || tail_segment_ != seg)) {
          // Caught up with the writer: what comes next can be served from memory.
          tail_active_ = true;
          tail_segment_ = seg;
          tail_begin_ = off;
          tail_cache_.clear();
        }
        // A lease stays in one segment.
        if (index + 1 == segments_.size() || !out.lines.empty()) break;
        read_pos_ = pack_position(segments_[index + 1].id, 0);
        continue;
      }
      if (tail_active_ && seg == tail_segment_ && off >= tail_begin_ &&
          off < tail_begin_ + tail_cache_.size()) {
        RecordView record;
        size_t at = size_t(off - tail_begin_);
        if (read_own_record(std::string_view(tail_cache_).substr(at), record)) {
          if (!out.lines.empty() && out.lines.byte_size() + record.payload.size() > max_bytes) {
            break;
          }
          if (out.lines.empty()) start = read_pos_;
          out.lines.add(record.payload);
          read_pos_ = pack_position(seg, off + record_size(record.payload.size()));
          continue;
        }
      }
      if (!reader_.is_open() || reader_segment_ != seg) {
        if (Status st = reader_.open(segment_path(opts_.dir, seg)); !st) {
          record_error(st.error().message(), false);
          break;
        }
        reader_segment_ = seg;
      }
      SegmentReader::Item item = reader_.next(off, limit);
      if (item.kind == SegmentReader::Item::kRecord) {
        std::string_view line = item.record.payload;
        if (!out.lines.empty() && out.lines.byte_size() + line.size() > max_bytes) break;
        if (out.lines.empty()) start = read_pos_;
        out.lines.add(line);
        read_pos_ = pack_position(seg, item.next);
      } else if (item.kind == SegmentReader::Item::kDamaged) {
        if (!out.lines.empty()) break;  // a lease does not span damage
        uint64_t end = pack_position(seg, item.next);
        if (read_pos_ >= scanned_end_) {
          ++stats_.corrupt_records_skipped;
          stats_.corrupt_bytes_skipped += item.next - off;
        }
        mark_acked(read_pos_, end);
        read_pos_ = end;
        advance_frontier();
      } else {
        break;
      }
    }
  }
  if (out.lines.empty()) {
    consumer_waiting_ = true;
    return false;
  }
  ready_lines_ -= std::min<uint64_t>(ready_lines_, out.lines.size());
  ready_bytes_ -= std::min<uint64_t>(ready_bytes_, out.lines.byte_size());
  out.id = ++last_lease_id_;
  leases_[out.id] = start;
  leased_lines_ += out.lines.size();
  leased_bytes_ += out.lines.byte_size();
  return true;
}

void DiskQueue::ack(Lease& lease, size_t count) {
  std::function<void()> space;
  {
    std::lock_guard lock(mu_);
    ack_locked(lease, count);
    if (full_reported_ && room() > 0 && !stats_.disk_full) {
      full_reported_ = false;
      space = space_callback_;
    }
  }
  if (space) space();
}

void DiskQueue::ack_locked(Lease& lease, size_t count) {
  auto it = leases_.find(lease.id);
  if (it == leases_.end()) {
    lease.lines.clear();
    return;
  }
  uint64_t start = it->second;
  leases_.erase(it);
  size_t n = lease.lines.size();
  count = std::min(count, n);
  leased_lines_ -= n;
  leased_bytes_ -= lease.lines.byte_size();
  uint64_t acked_end = start + framed_bytes(lease.lines, count);
  if (count > 0) mark_acked(start, acked_end);
  if (count < n) {
    lease.lines.drop_front(count);
    ready_lines_ += lease.lines.size();
    ready_bytes_ += lease.lines.byte_size();
    LineBatch back;
    back.swap(lease.lines);
    redo_.emplace(acked_end, std::move(back));
  }
  lease.lines.clear();
  advance_frontier();
}

void DiskQueue::mark_acked(uint64_t begin, uint64_t end) {
  if (end <= begin) return;
  acked_[begin] = end;
  unacked_bytes_ -= std::min(unacked_bytes_, end - begin);
}

void DiskQueue::advance_frontier() {
  while (true) {
    auto it = acked_.find(frontier_);
    if (it != acked_.end()) {
      frontier_ = it->second;
      acked_.erase(it);
      continue;
    }
    // The frontier reached the end of a sealed segment: it is fully acknowledged.
    if (segments_.size() > 1 && segments_.front().id == position_segment(frontier_) &&
        position_offset(frontier_) >= segments_.front().size) {
      Segment done = segments_.front();
      segments_.pop_front();
      frontier_ = pack_position(segments_.front().id, 0);
      if (position_segment(read_pos_) < segments_.front().id) read_pos_ = frontier_;
      // An open descriptor would keep the file's blocks after the flusher unlinks it.
      if (reader_.is_open() && reader_segment_ == done.id) reader_.close();
      retained_.push_back(done);
      retained_bytes_ += done.size;
      while (!retained_.empty() && retained_bytes_ > opts_.keep_acked) {
        deletable_.push_back(retained_.front().id);
        retained_bytes_ -= retained_.front().size;
        retained_.pop_front();
      }
      continue;
    }
    break;
  }
}

size_t DiskQueue::evict_oldest(uint64_t need) {
  size_t evicted = 0;
  uint64_t freed = 0;
  Lease tmp;
  while (freed < need && take_locked(1024, SIZE_MAX, tmp)) {
    // Only as many lines as it takes: the rest go back to the front.
    size_t k = 0;
    while (k < tmp.lines.size() && freed + framed_bytes(tmp.lines, k) < need) ++k;
    freed += framed_bytes(tmp.lines, k);
    evicted += k;
    ack_locked(tmp, k);
  }
  consumer_waiting_ = consumer_waiting_ && ready_lines_ == 0;
  return evicted;
}

void DiskQueue::when_durable(std::function<void()> done) {
  if (opts_.fsync != FsyncMode::kAlways) {
    // interval / never: written to the kernel, which survives the process being killed.
    done();
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (synced_seq_ < written_seq_) {
      waiters_.emplace_back(written_seq_, std::move(done));
      flusher_cv_.notify_one();
      return;
    }
  }
  done();
}

void DiskQueue::dead_letter(const Lease& lease, size_t first, size_t count) {
  std::lock_guard lock(mu_);
  if (count == 0 || first >= lease.lines.size()) return;
  count = std::min(count, lease.lines.size() - first);
  if (Status s = dead_.append(lease.lines, first, count, now_ms()); !s) {
    record_error(s.error().message(), s.error().code() == ErrorCode::kResourceExhausted);
    return;
  }
  stats_.dead_letter_lines += count;
}

std::optional<StorageStats> DiskQueue::storage_stats() const {
  std::lock_guard lock(mu_);
  StorageStats s = stats_;
  s.unacked_bytes = unacked_bytes_;
  s.segments = segments_.size() + retained_.size();
  s.bytes_on_disk = retained_bytes_;
  for (const Segment& seg : segments_) s.bytes_on_disk += segment_size(seg);
  return s;
}

void DiskQueue::flusher_loop() {
  std::unique_lock lock(mu_);
  auto next_tick = Clock::now() + opts_.fsync_interval;
  while (true) {
    flusher_cv_.wait_until(lock, next_tick, [&] {
      return stopping_ || (opts_.fsync == FsyncMode::kAlways && !waiters_.empty());
    });
    if (Clock::now() >= next_tick) next_tick = Clock::now() + opts_.fsync_interval;
    bool stop = stopping_;
    flush_round(lock);
    if (stop) break;
  }
}

// One round of the flusher: called and returns with `lock` held, releases it for the file work.
void DiskQueue::flush_round(std::unique_lock<std::mutex>& lock) {
  uint64_t target = written_seq_;
  int fd = writer_ ? writer_->fd() : -1;
  std::vector<int> rolled = std::move(to_sync_);
  to_sync_.clear();
  bool dir_dirty = std::exchange(dir_dirty_, false);
  uint64_t frontier = frontier_;
  bool store_ledger = frontier != ledger_pos_;
  std::vector<uint64_t> deletable = std::move(deletable_);
  deletable_.clear();
  std::function<void()> space_retry;
  // While the disk is full nothing else wakes blocked sources: let them retry each interval.
  if (stats_.disk_full && full_reported_) space_retry = space_callback_;
  lock.unlock();

  bool sync = opts_.fsync != FsyncMode::kNever;
  std::string error;
  for (int r : rolled) {
    if (sync && ::fdatasync(r) != 0) error = fmt::format("fdatasync: {}", strerror(errno));
    ::close(r);
  }
  // `fd` stays open while unlocked: the writer's descriptor is only closed by this thread
  // (rolled segments go through to_sync_).
  if (sync && fd >= 0 && target > synced_seq_ && ::fdatasync(fd) != 0) {
    error = fmt::format("{}: fdatasync: {}", opts_.dir, strerror(errno));
  }
  if (sync && dir_dirty) fsync_dir(opts_.dir);
  bool ledger_failed = false;
  if (store_ledger) {
    if (Status s = ledger_.store(frontier, sync); !s) {
      error = s.error().message();
      ledger_failed = true;
      store_ledger = false;
    }
  }
  // Only once the ledger on disk is past them: otherwise a crash would resume inside a
  // segment that no longer exists (recovery copes, but it must not have to guess).
  if (!ledger_failed) {
    for (uint64_t id : deletable) ::unlink(segment_path(opts_.dir, id).c_str());
    deletable.clear();
  }
  if (space_retry) space_retry();

  lock.lock();
  if (!deletable.empty()) deletable_.insert(deletable_.end(), deletable.begin(), deletable.end());
  if (!error.empty()) record_error(std::move(error), false);
  if (store_ledger) ledger_pos_ = frontier;
  synced_seq_ = std::max(synced_seq_, target);
  std::vector<std::function<void()>> done;
  for (size_t i = 0; i < waiters_.size();) {
    if (waiters_[i].first <= synced_seq_ || stopping_) {
      done.push_back(std::move(waiters_[i].second));
      waiters_.erase(waiters_.begin() + long(i));
    } else {
      ++i;
    }
  }
  if (!done.empty()) {
    lock.unlock();
    for (auto& d : done) d();
    lock.lock();
  }
}

}  // namespace

Result<std::unique_ptr<EndpointQueue>> open_disk_queue(DiskQueueOptions options) {
  auto q = std::make_unique<DiskQueue>(std::move(options));
  if (Status s = q->open(); !s) return s.error();
  return std::unique_ptr<EndpointQueue>(std::move(q));
}

}  // namespace sluice

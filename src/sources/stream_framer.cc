#include "sources/stream_framer.h"

#include <cstring>

#include <fmt/format.h>

namespace sluice {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 6587 MSG-LEN: NONZERO-DIGIT *DIGIT. Nine digits are far beyond any frame we keep and
// still fit easily in 64 bits.
constexpr size_t kMaxLengthDigits = 9;

}  // namespace

StreamFramer::StreamFramer(Mode mode, size_t max_frame) : mode_(mode), max_frame_(max_frame) {}

char* StreamFramer::prepare(size_t min_bytes) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (buf_.size() - end_ < min_bytes && begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < min_bytes) buf_.resize(end_ + min_bytes);
  return buf_.data() + end_;
}

bool StreamFramer::next(std::string_view& frame, FrameKind& kind) {
  if (mode_ == Mode::kDetect) {
    std::string_view d = data();
    if (d.empty()) return false;
    if (!is_digit(d[0])) {
      mode_ = Mode::kLineFeed;
    } else {
      size_t n = 0;
      uint64_t len = 0;
      while (n < d.size() && n <= kMaxLengthDigits && is_digit(d[n])) {
        len = len * 10 + uint64_t(d[n++] - '0');
      }
      if (n == d.size() && n <= kMaxLengthDigits) return false;  // need more bytes to tell
      bool counted = n <= kMaxLengthDigits && d[n] == ' ' && d[0] != '0';
      // Octet counting would refuse a length above the limit. Unless a syslog PRI follows, as
      // it does in RFC 6587 frames, such a start is more likely an LF line that begins with a
      // number ("1700000 requests served").
      if (counted && len > max_frame_) {
        if (n + 1 == d.size()) return false;
        counted = d[n + 1] == '<';
      }
      mode_ = counted ? Mode::kOctetCounting : Mode::kLineFeed;
    }
  }
  return mode_ == Mode::kLineFeed ? next_line(frame, kind) : next_counted(frame, kind);
}

bool StreamFramer::next_line(std::string_view& frame, FrameKind& kind) {
  while (begin_ < end_) {
    std::string_view d = data();
    size_t nl = d.find('\n');
    if (discard_line_) {
      if (nl == std::string_view::npos) {
        begin_ = end_;
        return false;
      }
      begin_ += nl + 1;
      discard_line_ = false;
      continue;
    }
    if (nl == std::string_view::npos) {
      if (d.size() < max_frame_) return false;
      frame = d.substr(0, max_frame_);
      kind = FrameKind::kCut;
      begin_ += max_frame_;
      discard_line_ = true;
      return true;
    }
    begin_ += nl + 1;
    std::string_view line = d.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines carry nothing
    if (line.size() > max_frame_) {
      frame = line.substr(0, max_frame_);
      kind = FrameKind::kCut;
    } else {
      frame = line;
      kind = FrameKind::kComplete;
    }
    return true;
  }
  return false;
}

bool StreamFramer::next_counted(std::string_view& frame, FrameKind& kind) {
  while (begin_ < end_) {
    if (resync_ && !resync()) return false;
    std::string_view d = data();
    // Some senders end each counted frame with a newline as well; it is not a frame.
    if (d[0] == '\n' || d[0] == '\r') {
      ++begin_;
      continue;
    }
    size_t n = 0;
    uint64_t len = 0;
    while (n < d.size() && n < kMaxLengthDigits && is_digit(d[n])) len = len * 10 + (d[n++] - '0');
    if (n == d.size()) return false;  // the length is not complete yet
    // Ten digits or more are a length too, far above any limit.
    bool too_many_digits = n == kMaxLengthDigits && is_digit(d[n]);
    if (n == 0 || d[0] == '0' || (d[n] != ' ' && !too_many_digits)) {
      if (refused_) return resync_after_bad_header(frame, kind);
      // Not "LEN SP": the sender is not octet counting after all (or a header was garbled).
      // LF framing takes over from here, which loses nothing and resynchronises at the next
      // newline. (A length above the limit is a header, refused below.)
      mode_ = Mode::kLineFeed;
      return next_line(frame, kind);
    }
    if (too_many_digits || len > max_frame_) return refuse(n, too_many_digits, len, frame, kind);
    size_t header = n + 1;
    if (d.size() - header < len) return false;
    frame = d.substr(header, size_t(len));
    kind = FrameKind::kComplete;
    begin_ += header + size_t(len);
    if (frames_have_pri_ == Pri::kUnknown) {
      frames_have_pri_ = !frame.empty() && frame[0] == '<' ? Pri::kYes : Pri::kNo;
    }
    return true;
  }
  return false;
}

// A length above the limit is refused at once, without buffering or skipping what it claims:
// the bytes after it are searched for the next header instead.
bool StreamFramer::refuse(size_t digits, bool too_many_digits, uint64_t len,
                          std::string_view& frame, FrameKind& kind) {
  if (too_many_digits) {
    error_ = fmt::format(
        "refused an octet-counted frame whose length has more than {} digits (the limit is {} "
        "bytes); skipping to the next frame header",
        kMaxLengthDigits, max_frame_);
    begin_ += digits;  // resync() skips the rest of the digits
  } else {
    error_ = fmt::format(
        "refused an octet-counted frame of {} bytes (the limit is {}); skipping to the next "
        "frame header",
        len, max_frame_);
    begin_ += digits + 1;
  }
  refused_ = true;
  resync_ = true;
  resync_digits_ = too_many_digits;
  resync_need_ = 0;
  frame = error_;
  kind = FrameKind::kError;
  return true;
}

// A connection that sent a length above the limit is octet counting, whatever comes next: a
// header that is not "LEN SP" after it (a resynchronisation that took a header-like text for a
// header, or another garbled one) is skipped the same way, where LF framing would lose every
// frame of a sender that ends none with a newline.
bool StreamFramer::resync_after_bad_header(std::string_view& frame, FrameKind& kind) {
  std::string_view bad = data().substr(0, 16);
  error_ = "expected an octet-counted frame header, got '";
  for (char c : bad) error_ += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  error_ += "...'; skipping to the next frame header";
  ++begin_;  // the scan starts past the byte that made the header bad
  resync_ = true;
  resync_digits_ = false;
  resync_need_ = 0;
  frame = error_;
  kind = FrameKind::kError;
  return true;
}

bool StreamFramer::resync() {
  if (!ended_ && end_ - begin_ < resync_need_) return false;
  std::string_view d = data();
  size_t i = 0;
  if (resync_digits_) {
    while (i < d.size() && is_digit(d[i])) ++i;
    if (i == d.size() && !ended_) {
      begin_ = end_;
      return false;
    }
    resync_digits_ = false;
  }
  for (; i < d.size(); ++i) {
    if (d[i] < '1' || d[i] > '9') continue;  // a length has no leading zero
    size_t need = 0;
    switch (judge_header(d, i, need)) {
      case Verdict::kNo:
        continue;  // the digits after it are candidates of their own ("…id=12" + "7 <13>…")
      case Verdict::kYes:
        begin_ += i;
        resync_ = false;
        resync_need_ = 0;
        return true;
      case Verdict::kMore:
        // Nothing before i can start a header: only the candidate and what follows are kept,
        // at most one frame and a header.
        begin_ += i;
        resync_need_ = need - i;
        return false;
    }
  }
  begin_ = end_;
  resync_need_ = 0;
  return false;
}

// Whether d[at] starts "LEN SP", then a PRI if the stream's frames have one. With `limited`, LEN
// must be within the limit; without, any run of digits is a length (what follows a good frame
// may be another bad one). On kYes, `start` is where the frame's bytes begin and `len` their
// count (limited only); kMore sets `need` to the bytes of d that must be there to tell.
StreamFramer::Verdict StreamFramer::judge_shape(std::string_view d, size_t at, bool limited,
                                                size_t& need, size_t& start, uint64_t& len) const {
  size_t j = at;
  len = 0;
  while (j < d.size() && is_digit(d[j])) {
    if (limited) {
      len = len * 10 + uint64_t(d[j] - '0');
      if (len > max_frame_) return Verdict::kNo;
    } else if (j - at == kMaxLengthDigits) {
      return Verdict::kYes;  // a length of ten digits or more, as next_counted() sees it
    }
    ++j;
  }
  if (j == d.size()) {
    need = j + 1;
    return Verdict::kMore;
  }
  if (d[j] != ' ') return Verdict::kNo;
  start = j + 1;
  if (frames_have_pri_ == Pri::kNo) return Verdict::kYes;
  // "<" 1*3DIGIT ">", the PRI every RFC 5424 and 3164 message starts with.
  size_t k = start;
  if (k == d.size()) {
    need = k + 1;
    return Verdict::kMore;
  }
  if (d[k] != '<') return Verdict::kNo;
  size_t digits = 0;
  while (++k < d.size() && digits < 3 && is_digit(d[k])) ++digits;
  if (k == d.size()) {
    need = k + 1;
    return Verdict::kMore;
  }
  if (digits == 0 || d[k] != '>') return Verdict::kNo;
  if (limited && len < k + 1 - start) return Verdict::kNo;  // the frame cannot hold its PRI
  return Verdict::kYes;
}

// Whether a header starts at d[at] from which framing can go on: its shape, then, after the LEN
// bytes it announces, what follows a frame. Bytes that end right where the frame does are taken
// as the sender's last write, so that a sender that pauses there is not kept waiting.
StreamFramer::Verdict StreamFramer::judge_header(std::string_view d, size_t at,
                                                 size_t& need) const {
  size_t start = 0;
  uint64_t len = 0;
  Verdict v = judge_shape(d, at, /*limited=*/true, need, start, len);
  if (v != Verdict::kYes) return v == Verdict::kMore && ended_ ? Verdict::kNo : v;
  size_t end = start + size_t(len);
  if (d.size() < end) {
    if (ended_) return Verdict::kNo;
    need = end + 1;  // one byte past the frame, so that what follows it can be judged
    return Verdict::kMore;
  }
  // What follows a real frame: optional newlines, then the next header.
  size_t k = end;
  while (k < d.size() && k < end + 2 && (d[k] == '\n' || d[k] == '\r')) ++k;
  if (k == d.size()) {
    if (ended_) return Verdict::kYes;
    need = k + 1;
    return Verdict::kMore;
  }
  if (d[k] < '1' || d[k] > '9') return Verdict::kNo;
  v = judge_shape(d, k, /*limited=*/false, need, start, len);
  return v == Verdict::kMore && ended_ ? Verdict::kYes : v;
}

bool StreamFramer::last(std::string_view& frame, FrameKind& kind) {
  std::string_view d = data();
  begin_ = end_;
  if (d.empty()) return false;
  if (mode_ == Mode::kOctetCounting) {
    // No resynchronisation is under way here: finish() drained with ended_ set, which decides
    // every candidate and discards what none could start.
    error_ =
        fmt::format("the stream ended inside an octet-counted frame ({} bytes buffered)", d.size());
    frame = error_;
    kind = FrameKind::kError;
    return true;
  }
  if (discard_line_) return false;
  // kDetect with only digits so far, or an unterminated last line.
  if (!d.empty() && d.back() == '\r') d.remove_suffix(1);
  if (d.empty()) return false;
  frame = d;
  kind = FrameKind::kComplete;
  return true;
}

}  // namespace sluice

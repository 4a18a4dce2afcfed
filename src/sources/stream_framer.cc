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
      while (n < d.size() && n <= kMaxLengthDigits && is_digit(d[n])) ++n;
      if (n == d.size() && n <= kMaxLengthDigits) return false;  // need more bytes to tell
      mode_ = d[n] == ' ' && d[0] != '0' ? Mode::kOctetCounting : Mode::kLineFeed;
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
    if (skip_ > 0) {
      size_t n = end_ - begin_ < skip_ ? end_ - begin_ : size_t(skip_);
      begin_ += n;
      skip_ -= n;
      continue;
    }
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
    if (n == 0 || d[n] != ' ' || d[0] == '0') {
      // Not "LEN SP": the sender is not octet counting after all (or a length was wrong).
      // LF framing takes over from here, which loses nothing and resynchronises at the next
      // newline.
      mode_ = Mode::kLineFeed;
      return next_line(frame, kind);
    }
    size_t header = n + 1;
    if (len <= max_frame_) {
      if (d.size() - header < len) return false;
      frame = d.substr(header, size_t(len));
      kind = FrameKind::kComplete;
      begin_ += header + size_t(len);
      return true;
    }
    if (d.size() - header < max_frame_) return false;
    frame = d.substr(header, max_frame_);
    kind = FrameKind::kCut;
    begin_ += header + max_frame_;
    skip_ = len - max_frame_;
    return true;
  }
  return false;
}

bool StreamFramer::last(std::string_view& frame, FrameKind& kind) {
  std::string_view d = data();
  begin_ = end_;
  if (d.empty()) return false;
  if (mode_ == Mode::kOctetCounting) {
    if (skip_ > 0) return false;  // the end of a frame that was already cut and delivered
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

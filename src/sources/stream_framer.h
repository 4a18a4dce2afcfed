#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_rules.h"

namespace sluice {

// The largest frame a stream source keeps: the largest line a service may allow, plus room for
// a syslog header. A longer LF line is cut here and the rest is skipped; a longer octet-counted
// frame is refused (see StreamFramer). Either way a connection never buffers much more than this
// however long its lines are. A cut frame's payload is counted as cut by the session (a header
// with large structured data can leave less than the service's limit of payload).
inline constexpr size_t kMaxFrameBytes = kLargeMaxLineBytes + 2048;

// Splits a byte stream into frames: LF-terminated lines, or RFC 6587 octet-counted frames
// ("LEN SP MSG"). In kDetect mode the first bytes of the stream decide: a digit, more digits
// and a space mean octet counting, anything else LF framing. An octet-counted stream whose next
// header is not "LEN SP" continues in LF framing rather than lose data (unless it refused a
// length before, below).
//
// An octet count above max_frame is refused (a kError frame) rather than obeyed: obeying a sender
// that claims 999999999 bytes would swallow everything it sends next. The framer then
// resynchronises: it discards bytes only up to the next plausible header, "LEN SP <PRI>" with LEN
// within the limit (just "LEN SP" when the stream's first frame had no PRI), and takes it once
// the frame it announces is followed by another header (or the stream ends), so that header-like
// text inside the refused frame is not taken for one. After a refusal the stream stays octet
// counted: a header that is not "LEN SP" is skipped the same way (another kError). The scan runs
// only after an error, keeps at most one candidate frame buffered, and looks at each byte a
// bounded number of times.
//
// The caller reads into prepare()'s space, commit()s what it read, and drain()s frames. Frame
// views stay valid until the next prepare(). Not thread-safe; one per connection.
class StreamFramer {
 public:
  enum class Mode : uint8_t { kDetect, kLineFeed, kOctetCounting };
  enum class FrameKind : uint8_t {
    kComplete,
    kCut,    // an LF line longer than max_frame: this is its beginning; the rest is skipped
    kError,  // not a frame: the view is an error message (a refused octet count, or a stream
             // that ended inside a frame)
  };

  explicit StreamFramer(Mode mode = Mode::kDetect, size_t max_frame = kMaxFrameBytes);

  // Space for the next read, at least `min_bytes` (the buffer compacts or grows as needed).
  [[nodiscard]] char* prepare(size_t min_bytes);
  [[nodiscard]] size_t writable() const { return buf_.size() - end_; }
  void commit(size_t n) { end_ += n; }

  // Calls on_frame(std::string_view, FrameKind) for each whole frame buffered.
  template <typename OnFrame>
  void drain(OnFrame&& on_frame) {
    std::string_view frame;
    FrameKind kind;
    while (next(frame, kind)) on_frame(frame, kind);
  }
  // At the end of the stream: an unterminated last line is a frame, a partial octet-counted
  // frame is an error.
  template <typename OnFrame>
  void finish(OnFrame&& on_frame) {
    ended_ = true;  // a resynchronisation decides on what it has: no more bytes will come
    drain(on_frame);
    std::string_view frame;
    FrameKind kind;
    if (last(frame, kind)) on_frame(frame, kind);
  }

  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] size_t buffered() const { return end_ - begin_; }

 private:
  bool next(std::string_view& frame, FrameKind& kind);
  bool next_line(std::string_view& frame, FrameKind& kind);
  bool next_counted(std::string_view& frame, FrameKind& kind);
  bool refuse(size_t digits, bool too_many_digits, uint64_t len, std::string_view& frame,
              FrameKind& kind);
  bool resync_after_bad_header(std::string_view& frame, FrameKind& kind);
  bool resync();
  enum class Verdict : uint8_t { kNo, kYes, kMore };
  [[nodiscard]] Verdict judge_shape(std::string_view d, size_t at, bool limited, size_t& need,
                                    size_t& start, uint64_t& len) const;
  [[nodiscard]] Verdict judge_header(std::string_view d, size_t at, size_t& need) const;
  bool last(std::string_view& frame, FrameKind& kind);
  [[nodiscard]] std::string_view data() const {
    return std::string_view(buf_.data() + begin_, end_ - begin_);
  }

  Mode mode_;
  size_t max_frame_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;  // unprocessed bytes are [begin_, end_)
  bool discard_line_ = false;   // LF: skipping the rest of a cut line
  std::string error_;           // backs a kError frame's view
  // Octet counting after a refused length: looking for the next header, which starts at begin_
  // once found. While a candidate at begin_ waits for more bytes, resync_need_ says how many
  // must be buffered before it is judged again (so a trickling sender costs nothing per read).
  bool refused_ = false;  // a length was refused: the stream stays octet counting
  bool resync_ = false;
  bool resync_digits_ = false;  // the refused length's own digits are still being skipped
  size_t resync_need_ = 0;
  bool ended_ = false;  // finish() was called
  // Whether the stream's first octet-counted frame began with '<' (a syslog PRI), which decides
  // what a plausible header is when resynchronising.
  enum class Pri : uint8_t { kUnknown, kYes, kNo };
  Pri frames_have_pri_ = Pri::kUnknown;
};

}  // namespace sluice

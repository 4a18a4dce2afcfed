#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_rules.h"

namespace sluice {

// The largest frame a stream source keeps: the largest line a service may allow, plus room for
// a syslog header. Longer frames are cut here and the rest is skipped, so a connection never
// buffers more than this however long its lines are; the session's line rules then cut the
// payload at the service's own limit and count it.
inline constexpr size_t kMaxFrameBytes = kLargeMaxLineBytes + 2048;

// Splits a byte stream into frames: LF-terminated lines, or RFC 6587 octet-counted frames
// ("LEN SP MSG"). In kDetect mode the first bytes of the stream decide: a digit, more digits
// and a space mean octet counting, anything else LF framing. An octet-counted stream whose next
// header is not "LEN SP" continues in LF framing rather than lose data.
//
// The caller reads into prepare()'s space, commit()s what it read, and drain()s frames. Frame
// views stay valid until the next prepare(). Not thread-safe; one per connection.
class StreamFramer {
 public:
  enum class Mode : uint8_t { kDetect, kLineFeed, kOctetCounting };
  enum class FrameKind : uint8_t {
    kComplete,
    kCut,    // longer than max_frame: this is its beginning; the rest is skipped
    kError,  // not a frame: the view is an error message (a stream ended inside a frame)
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
  bool last(std::string_view& frame, FrameKind& kind);
  [[nodiscard]] std::string_view data() const {
    return std::string_view(buf_.data() + begin_, end_ - begin_);
  }

  Mode mode_;
  size_t max_frame_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;  // unprocessed bytes are [begin_, end_)
  uint64_t skip_ = 0;           // octet counting: bytes of a cut frame still to skip
  bool discard_line_ = false;   // LF: skipping the rest of a cut line
  std::string error_;           // backs a kError frame's view
};

}  // namespace sluice

#include "sources/stream_framer.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Kind = StreamFramer::FrameKind;
using Mode = StreamFramer::Mode;

struct Frame {
  std::string text;
  Kind kind;
  bool operator==(const Frame& o) const { return text == o.text && kind == o.kind; }
};

std::ostream& operator<<(std::ostream& os, const Frame& f) {
  return os << "{" << int(f.kind) << ", \"" << f.text << "\"}";
}

// Feeds `input` in chunks of `chunk` bytes (all at once for 0) and collects the frames.
std::vector<Frame> frames_of(StreamFramer& framer, std::string_view input, size_t chunk = 0,
                             bool end = true) {
  std::vector<Frame> out;
  auto collect = [&](std::string_view f, Kind k) { out.push_back({std::string(f), k}); };
  if (chunk == 0) chunk = input.size() == 0 ? 1 : input.size();
  for (size_t pos = 0; pos < input.size(); pos += chunk) {
    std::string_view piece = input.substr(pos, chunk);
    char* space = framer.prepare(piece.size());
    std::memcpy(space, piece.data(), piece.size());
    framer.commit(piece.size());
    framer.drain(collect);
  }
  if (end) framer.finish(collect);
  return out;
}

std::vector<Frame> complete(std::initializer_list<std::string> texts) {
  std::vector<Frame> out;
  for (const auto& t : texts) out.push_back({t, Kind::kComplete});
  return out;
}

TEST(StreamFramer, LineFeedFraming) {
  for (size_t chunk : {0, 1, 2, 3, 7}) {
    StreamFramer f;
    EXPECT_EQ(frames_of(f, "<13>one\n<13>two\r\n\nthree", chunk),
              complete({"<13>one", "<13>two", "three"}))
        << "chunk " << chunk;
    EXPECT_EQ(f.mode(), Mode::kLineFeed);
  }
}

TEST(StreamFramer, OctetCountingDetected) {
  for (size_t chunk : {0, 1, 2, 5}) {
    StreamFramer f;
    EXPECT_EQ(frames_of(f, "7 <13>one11 <13>two\nxyz5 three", chunk),
              complete({"<13>one", "<13>two\nxyz", "three"}))
        << "chunk " << chunk;
    EXPECT_EQ(f.mode(), Mode::kOctetCounting);
  }
}

TEST(StreamFramer, OctetCountingToleratesNewlinesBetweenFrames) {
  StreamFramer f;
  EXPECT_EQ(frames_of(f, "3 abc\n3 def\r\n"), complete({"abc", "def"}));
}

TEST(StreamFramer, DigitsWithoutSpaceMeanLineFeed) {
  StreamFramer f;
  EXPECT_EQ(frames_of(f, "2026-11-21 started\n12 x\n"), complete({"2026-11-21 started", "12 x"}));
  EXPECT_EQ(f.mode(), Mode::kLineFeed);
  StreamFramer zero;  // MSG-LEN has no leading zero
  EXPECT_EQ(frames_of(zero, "05 hello\n"), complete({"05 hello"}));
}

TEST(StreamFramer, OnlyDigitsAtEndAreALine) {
  StreamFramer f;
  EXPECT_EQ(frames_of(f, "12345"), complete({"12345"}));
}

TEST(StreamFramer, BadOctetHeaderFallsBackToLineFeedWithoutLoss) {
  StreamFramer f;
  EXPECT_EQ(frames_of(f, "3 abcnot counted\nnext\n"), complete({"abc", "not counted", "next"}));
  EXPECT_EQ(f.mode(), Mode::kLineFeed);
}

TEST(StreamFramer, OctetFrameCutOffAtEndIsAnError) {
  StreamFramer f;
  auto frames = frames_of(f, "3 abc10 only");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], (Frame{"abc", Kind::kComplete}));
  EXPECT_EQ(frames[1].kind, Kind::kError);
  EXPECT_NE(frames[1].text.find("ended inside an octet-counted frame"), std::string::npos);
}

TEST(StreamFramer, LongLineIsCutAndTheRestSkipped) {
  for (size_t chunk : {0, 1, 3, 10}) {
    StreamFramer f(Mode::kDetect, 8);
    auto frames = frames_of(f, "short\n0123456789abcdef\nafter\n", chunk);
    ASSERT_EQ(frames.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(frames[0], (Frame{"short", Kind::kComplete}));
    EXPECT_EQ(frames[1], (Frame{"01234567", Kind::kCut}));
    EXPECT_EQ(frames[2], (Frame{"after", Kind::kComplete}));
  }
}

TEST(StreamFramer, LongLineAtEndOfStreamIsCutOnce) {
  StreamFramer f(Mode::kLineFeed, 4);
  auto frames = frames_of(f, "abcdefghij");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Frame{"abcd", Kind::kCut}));
}

TEST(StreamFramer, LongOctetFrameIsCutAndTheRestSkipped) {
  for (size_t chunk : {0, 1, 4}) {
    StreamFramer f(Mode::kDetect, 4);
    auto frames = frames_of(f, "10 01234567892 ok", chunk);
    ASSERT_EQ(frames.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(frames[0], (Frame{"0123", Kind::kCut}));
    EXPECT_EQ(frames[1], (Frame{"ok", Kind::kComplete}));
  }
}

TEST(StreamFramer, BufferStaysBounded) {
  // A megabyte without a newline: the framer never holds much more than one frame.
  StreamFramer f(Mode::kLineFeed, 1024);
  std::string big(1 << 20, 'x');
  size_t cut = 0;
  for (size_t pos = 0; pos < big.size(); pos += 4096) {
    char* space = f.prepare(4096);
    std::memcpy(space, big.data() + pos, 4096);
    f.commit(4096);
    f.drain([&](std::string_view, Kind k) { cut += k == Kind::kCut; });
    EXPECT_LE(f.buffered(), 1024u + 4096u);
  }
  EXPECT_EQ(cut, 1u);
}

TEST(StreamFramer, ForcedModes) {
  StreamFramer lf(Mode::kLineFeed);
  EXPECT_EQ(frames_of(lf, "3 abc\n"), complete({"3 abc"}));
  StreamFramer oc(Mode::kOctetCounting);
  EXPECT_EQ(frames_of(oc, "3 abc"), complete({"abc"}));
}

}  // namespace
}  // namespace sluice

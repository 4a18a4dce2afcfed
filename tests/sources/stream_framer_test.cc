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

// Chunk sizes every resynchronisation test runs with: whole, byte by byte, and splits that
// land inside headers, PRIs and frames.
constexpr size_t kChunks[] = {0, 1, 2, 3, 5, 7, 64, 4096};

// The frames of `input`, expecting `errors` kError frames first (refusals), then complete ones.
std::vector<std::string> good_frames(StreamFramer& f, std::string_view input, size_t chunk,
                                     size_t& errors) {
  std::vector<std::string> out;
  errors = 0;
  for (const Frame& fr : frames_of(f, input, chunk)) {
    if (fr.kind == Kind::kError) {
      ++errors;
      EXPECT_NE(fr.text.find("refused an octet-counted frame"), std::string::npos) << fr.text;
    } else {
      EXPECT_EQ(fr.kind, Kind::kComplete) << fr.text;
      out.push_back(fr.text);
    }
  }
  return out;
}

// good_frames() for every chunking of `input`, each on a new framer of `max_frame`.
void expect_in_every_chunking(size_t max_frame, std::string_view input,
                              const std::vector<std::string>& want, size_t want_errors) {
  for (size_t chunk : kChunks) {
    StreamFramer f(Mode::kDetect, max_frame);
    size_t errors = 0;
    EXPECT_EQ(good_frames(f, input, chunk, errors), want) << "chunk " << chunk;
    EXPECT_EQ(errors, want_errors) << "chunk " << chunk;
  }
}

std::string counted(std::string_view msg) {
  return std::to_string(msg.size()) + " " + std::string(msg);
}

// The hostile frame of issue 14: a length of nearly a gigabyte used to swallow what followed.
TEST(StreamFramer, HugeOctetCountIsRefusedAndTheFollowingFramesKept) {
  std::string input = "999999999 <134>1 2026-11-21T08:00:00Z host app - - - hostile";
  std::vector<std::string> want;
  for (int i = 0; i < 995; ++i) {
    want.push_back("<134>1 2026-11-21T08:00:00Z host app - - - good " + std::to_string(i));
    input += counted(want.back());
  }
  for (size_t chunk : kChunks) {
    StreamFramer f;
    size_t errors = 0;
    EXPECT_EQ(good_frames(f, input, chunk, errors), want) << "chunk " << chunk;
    EXPECT_EQ(errors, 1u) << "chunk " << chunk;
    EXPECT_EQ(f.mode(), Mode::kOctetCounting);
  }
}

TEST(StreamFramer, LengthAtTheLimitIsAFrameAndJustAboveIsRefused) {
  for (size_t chunk : kChunks) {
    StreamFramer at(Mode::kDetect, 16);
    EXPECT_EQ(frames_of(at, "16 <13>0123456789ab4 <1>x", chunk),
              complete({"<13>0123456789ab", "<1>x"}))
        << "chunk " << chunk;
    StreamFramer above(Mode::kDetect, 16);
    size_t errors = 0;
    EXPECT_EQ(good_frames(above, "17 <13>0123456789abc4 <1>x4 <2>y", chunk, errors),
              (std::vector<std::string>{"<1>x", "<2>y"}))
        << "chunk " << chunk;
    EXPECT_EQ(errors, 1u);
  }
}

TEST(StreamFramer, LengthOfTenDigitsOrMoreIsRefused) {
  expect_in_every_chunking(kMaxFrameBytes, "4 <1>a123456789012345 <13>hostile4 <1>b",
                           {"<1>a", "<1>b"}, 1);
}

TEST(StreamFramer, GarbageAfterARefusedLengthIsSkippedToTheNextHeader) {
  // Header-like text inside the garbage: a length above the limit, a length without a PRI, a
  // "LEN SP <PRI>" whose frame is not followed by a header, a leading zero, a bad PRI.
  std::string garbage =
      "<13>\x01\xff 99999 <13>x 12 abc 5 <13>xyz-and-more 05 <1>a 3 <ab> 7 <1234>xx \n\r\n";
  std::string input = "70000 " + garbage + "7 <13>one7 <13>two\n7 <13>thr";
  expect_in_every_chunking(64, input, {"<13>one", "<13>two", "<13>thr"}, 1);
}

TEST(StreamFramer, RefusedFrameEndingInDigitsStillFindsTheNextHeader) {
  // The refused frame's last bytes run into the next length: "…id=12" + "7 <13>one".
  expect_in_every_chunking(64, "100 <13>id=127 <13>one7 <13>two", {"<13>one", "<13>two"}, 1);
}

TEST(StreamFramer, RefusalThenASecondRefusalThenGoodFrames) {
  expect_in_every_chunking(64, "4 <1>a999 <13>bad 4 <1>b888 <13>worse4 <1>c",
                           {"<1>a", "<1>b", "<1>c"}, 2);
}

TEST(StreamFramer, RefusedLengthAtTheEndOfTheStreamIsReportedOnce) {
  expect_in_every_chunking(64, "4 <1>a999 <13>no end and 12 <1", {"<1>a"}, 1);
}

TEST(StreamFramer, LastFrameAfterARefusalIsDeliveredAtTheEndOfTheStream) {
  expect_in_every_chunking(64, "999 <13>bad7 <13>one", {"<13>one"}, 1);
}

// The frame after a refusal is taken once what follows it shows it ends where its length says (or
// the stream ends): a header-like text inside the refused frame is not taken for a header.
TEST(StreamFramer, FrameAfterARefusalIsTakenOnceWhatFollowsItConfirmsIt) {
  StreamFramer f(Mode::kDetect, 64);
  std::vector<Frame> out;
  auto collect = [&](std::string_view t, Kind k) { out.push_back({std::string(t), k}); };
  for (std::string_view piece : {"999 <13>bad7 <13>one", "7 <13>two"}) {
    char* space = f.prepare(piece.size());
    std::memcpy(space, piece.data(), piece.size());
    f.commit(piece.size());
    f.drain(collect);
    if (out.size() == 1) EXPECT_EQ(out[0].kind, Kind::kError);
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1], (Frame{"<13>one", Kind::kComplete}));
  EXPECT_EQ(out[2], (Frame{"<13>two", Kind::kComplete}));
}

TEST(StreamFramer, AfterARefusalABadHeaderIsSkippedToTheNextOne) {
  // Without a refusal such a header switches to LF framing; after one, the stream is known to be
  // octet counted, and LF framing would lose every frame of a sender that sends no newlines.
  for (size_t chunk : kChunks) {
    StreamFramer f(Mode::kDetect, 64);
    auto frames = frames_of(f, "4 <1>a999 <13>bad4 <1>b4 <1>cgarbage!4 <1>d", chunk);
    ASSERT_EQ(frames.size(), 6u) << "chunk " << chunk;
    EXPECT_EQ(frames[0], (Frame{"<1>a", Kind::kComplete}));
    EXPECT_EQ(frames[1].kind, Kind::kError);
    EXPECT_EQ(frames[2], (Frame{"<1>b", Kind::kComplete}));
    EXPECT_EQ(frames[3], (Frame{"<1>c", Kind::kComplete}));
    EXPECT_EQ(frames[4].kind, Kind::kError);
    EXPECT_NE(frames[4].text.find("expected an octet-counted frame header"), std::string::npos)
        << frames[4].text;
    EXPECT_EQ(frames[5], (Frame{"<1>d", Kind::kComplete}));
    EXPECT_EQ(f.mode(), Mode::kOctetCounting);
  }
}

TEST(StreamFramer, StreamWithoutPriResynchronisesOnLengths) {
  // The first frame decides: without a PRI (message_type = "blank"), "LEN SP" is a header.
  expect_in_every_chunking(64, "3 abc999 bad 2 x3 def3 ghi", {"abc", "def", "ghi"}, 1);
}

TEST(StreamFramer, ANumberAboveTheLimitWithoutPriStartsALineFeedStream) {
  StreamFramer f(Mode::kDetect, 64);
  EXPECT_EQ(frames_of(f, "1700000 requests served\nnext\n"),
            complete({"1700000 requests served", "next"}));
  EXPECT_EQ(f.mode(), Mode::kLineFeed);
  StreamFramer epoch;
  EXPECT_EQ(frames_of(epoch, "1700000000 started\n"), complete({"1700000000 started"}));
  EXPECT_EQ(epoch.mode(), Mode::kLineFeed);
}

TEST(StreamFramer, ResynchronisationKeepsTheBufferBounded) {
  // A refused length, then a megabyte of garbage full of false starts: the framer holds at most
  // one candidate frame and a read.
  constexpr size_t kLimit = 1024;
  StreamFramer f(Mode::kDetect, kLimit);
  std::string input = "999999 <13>";
  while (input.size() < (1u << 20)) input += "x 1000 <13>y 12 <1>z ";
  input += std::string(16, 'x') + "5 <1>ok";
  std::vector<Frame> out;
  for (size_t pos = 0; pos < input.size(); pos += 4096) {
    std::string_view piece = std::string_view(input).substr(pos, 4096);
    char* space = f.prepare(piece.size());
    std::memcpy(space, piece.data(), piece.size());
    f.commit(piece.size());
    f.drain([&](std::string_view t, Kind k) { out.push_back({std::string(t), k}); });
    EXPECT_LE(f.buffered(), kLimit + 64 + 4096);
  }
  f.finish([&](std::string_view t, Kind k) { out.push_back({std::string(t), k}); });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Kind::kError);
  EXPECT_EQ(out[1], (Frame{"<1>ok", Kind::kComplete}));
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

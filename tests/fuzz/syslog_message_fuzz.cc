// libFuzzer target: parse_syslog_message on arbitrary bytes, as a syslog source hands it a frame,
// and StreamFramer on the same bytes as a TCP stream split at an input-chosen point.
//
// Invariants checked: every view the parser returns lies inside the frame; a frame without a
// header is returned whole as the payload; PRI is in range. The framer never returns a frame
// longer than its limit, and never holds much more than one frame between reads, even while it
// resynchronises after a refused octet count.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sources/stream_framer.h"
#include "sources/syslog/syslog_message.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  SyslogMessage m = parse_syslog_message(frame);
  for (std::string_view part :
       {m.timestamp, m.hostname, m.app_name, m.procid, m.msgid, m.structured_data, m.payload}) {
    if (!inside(part, frame)) __builtin_trap();
  }
  if (m.format == SyslogMessage::Format::kNone && (m.payload != frame || m.pri != -1)) {
    __builtin_trap();
  }
  if (m.format != SyslogMessage::Format::kNone && (m.pri < 0 || m.pri > 191)) __builtin_trap();

  // The same bytes as a stream, in two reads, with a small frame limit so cuts happen.
  constexpr size_t kLimit = 64;
  StreamFramer framer(StreamFramer::Mode::kDetect, kLimit);
  size_t split = size == 0 ? 0 : data[0] % (size + 1);
  auto check = [&](std::string_view f, StreamFramer::FrameKind kind) {
    if (kind != StreamFramer::FrameKind::kError && f.size() > kLimit) __builtin_trap();
    (void)parse_syslog_message(f);
  };
  for (std::string_view chunk : {frame.substr(0, split), frame.substr(split)}) {
    char* space = framer.prepare(chunk.size() + 1);
    std::memcpy(space, chunk.data(), chunk.size());
    framer.commit(chunk.size());
    framer.drain(check);
    // At most a frame, its header and the next header's first bytes (resynchronising).
    if (framer.buffered() > kLimit + 32) __builtin_trap();
  }
  framer.finish(check);
  return 0;
}

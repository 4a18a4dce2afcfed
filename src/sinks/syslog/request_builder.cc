#include "sinks/syslog/request_builder.h"

#include "sinks/framing.h"

namespace sluice {

void SyslogRequestBuilder::frame(std::string_view line, std::chrono::system_clock::time_point now,
                                 LineBuffer& out) const {
  append_framed(out, framing_.message_type, framing_.hostname, framing_.endpoint, framing_.token,
                line, now);
}

void SyslogRequestBuilder::append_stream(const LineBatch& batch,
                                         std::chrono::system_clock::time_point now,
                                         LineBuffer& out) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!framing_.octet_counting) {
      frame(batch.line(i), now, out);
      out.push_back('\n');
      continue;
    }
    // The count comes first but is known only after framing, so the message goes through the
    // scratch buffer (reused: no allocation once it has grown to the longest message).
    scratch_.clear();
    frame(batch.line(i), now, scratch_);
    fmt::format_to(std::back_inserter(out), "{} ", scratch_.size());
    out.append(scratch_.data(), scratch_.data() + scratch_.size());
  }
}

bool SyslogRequestBuilder::build_datagram(std::string_view line,
                                          std::chrono::system_clock::time_point now,
                                          LineBuffer& out) const {
  out.clear();
  frame(line, now, out);
  if (out.size() <= kMaxSyslogDatagramBytes) return false;
  // Cut the line rather than the framed bytes, so the header (and logplex's length) stays right.
  size_t over = out.size() - kMaxSyslogDatagramBytes;
  size_t keep = over < line.size() ? line.size() - over : 0;
  // Back off to a UTF-8 character boundary so the receiver does not see half a character.
  while (keep > 0 && keep < line.size() &&
         (static_cast<unsigned char>(line[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  out.clear();
  frame(line.substr(0, keep), now, out);
  return true;
}

}  // namespace sluice

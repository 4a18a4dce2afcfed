#include "sources/syslog/syslog_message.h"

#include <array>

#include "core/log_statement.h"

namespace sluice {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A forward-only reader over the frame. Every accessor checks bounds, because the frame is
// external input of any shape.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  [[nodiscard]] bool done() const { return pos_ >= s_.size(); }
  [[nodiscard]] char peek(size_t ahead = 0) const {
    return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0';
  }
  [[nodiscard]] size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  void skip(size_t n) { pos_ = pos_ + n > s_.size() ? s_.size() : pos_ + n; }
  bool consume(char c) {
    if (done() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool digits(size_t min, size_t max) {
    size_t n = 0;
    while (n < max && is_digit(peek(n))) ++n;
    if (n < min) return false;
    pos_ += n;
    return true;
  }
  // The text up to the next space (or the end), consumed.
  std::string_view word() {
    size_t end = s_.find(' ', pos_);
    if (end == std::string_view::npos) end = s_.size();
    std::string_view w = s_.substr(pos_, end - pos_);
    pos_ = end;
    return w;
  }
  [[nodiscard]] std::string_view rest() const {
    return s_.substr(pos_ < s_.size() ? pos_ : s_.size());
  }
  [[nodiscard]] std::string_view slice(size_t from, size_t to) const {
    return s_.substr(from, to - from);
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// "<PRI>" with PRI in 0..191 (facility 0..23 * 8 + severity). Leading zeros are tolerated:
// some senders pad, and the value is still unambiguous.
int parse_pri(Cursor& c) {
  if (!c.consume('<')) return -1;
  size_t start = c.pos();
  if (!c.digits(1, 3)) return -1;
  int value = 0;
  for (size_t i = start; i < c.pos(); ++i) value = value * 10 + (c.slice(i, i + 1)[0] - '0');
  if (!c.consume('>') || value > 191) return -1;
  return value;
}

// "hh:mm:ss" with an optional fraction (".123"), which some 3164 senders add.
bool clock_time(Cursor& c) {
  if (!(c.digits(2, 2) && c.consume(':') && c.digits(2, 2) && c.consume(':') && c.digits(2, 2))) {
    return false;
  }
  if (c.peek() == '.' && is_digit(c.peek(1))) {
    c.skip(1);
    c.digits(1, 9);
  }
  return true;
}

// RFC 3164 "Mmm dd hh:mm:ss" (day padded with a space or a zero, or not padded at all).
bool bsd_timestamp(Cursor& c) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string_view month = c.rest().substr(0, 3);
  bool known = false;
  for (std::string_view m : kMonths) known = known || m == month;
  if (!known) return false;
  c.skip(3);
  if (!c.consume(' ')) return false;
  c.consume(' ');  // " 5" as well as "05" and "5"
  if (!c.digits(1, 2) || !c.consume(' ')) return false;
  return clock_time(c);
}

// An RFC 3339 timestamp in a 3164 position, as rsyslog and systemd send it:
// "2026-11-21T08:00:00Z", "2026-11-21T08:00:00.123+09:00".
bool iso_timestamp(Cursor& c) {
  if (!(c.digits(4, 4) && c.consume('-') && c.digits(2, 2) && c.consume('-') && c.digits(2, 2) &&
        c.consume('T') && clock_time(c))) {
    return false;
  }
  if (c.consume('Z')) return true;
  if (c.peek() == '+' || c.peek() == '-') {
    c.skip(1);
    return c.digits(2, 2) && c.consume(':') && c.digits(2, 2);
  }
  return true;  // no zone: local time, still a timestamp
}

// The word ended where it should: at a space or at the end of the frame.
bool at_word_end(const Cursor& c) {
  return c.done() || c.peek() == ' ';
}

bool is_tag_char(char c) {
  return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == '@';
}

bool is_hostname(std::string_view w) {
  if (w.empty() || w.size() > 255) return false;
  for (char ch : w) {
    if (!(is_alnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':')) return false;
  }
  return true;
}

// "name:" or "name[pid]:", the whole word. Sets tag and pid on success.
bool parse_tag(std::string_view w, std::string_view& tag, std::string_view& pid) {
  constexpr size_t kMaxTag = 128;
  if (w.size() < 2 || w.back() != ':') return false;
  w.remove_suffix(1);
  std::string_view name = w, proc;
  if (w.back() == ']') {
    size_t open = w.find('[');
    if (open == std::string_view::npos || open == 0) return false;
    name = w.substr(0, open);
    proc = w.substr(open + 1, w.size() - open - 2);
    if (proc.empty() || proc.size() > kMaxTag) return false;
    for (char ch : proc) {
      if (ch == '[' || ch == ']') return false;
    }
  }
  if (name.empty() || name.size() > kMaxTag) return false;
  for (char ch : name) {
    if (!is_tag_char(ch)) return false;
  }
  tag = name;
  pid = proc;
  return true;
}

// A payload sluice understands on its own (a JSON record or a log statement) is never mistaken
// for a hostname: senders that omit the hostname are common, and the payload is what matters.
bool is_known_payload(std::string_view s) {
  return (!s.empty() && s.front() == '{') || parse_log_statement(s).has_value();
}

void parse_3164(Cursor& c, SyslogMessage& m) {
  m.format = SyslogMessage::Format::kRfc3164;
  size_t ts_start = c.pos();
  bool has_timestamp = bsd_timestamp(c) && at_word_end(c);
  if (!has_timestamp) {
    c.set_pos(ts_start);
    has_timestamp = iso_timestamp(c) && at_word_end(c);
  }
  if (has_timestamp) {
    m.timestamp = c.slice(ts_start, c.pos());
    c.consume(' ');
  } else {
    c.set_pos(ts_start);
  }

  size_t after_ts = c.pos();
  if (!is_known_payload(c.rest())) {
    std::string_view first = c.word();
    if (parse_tag(first, m.app_name, m.procid)) {
      c.consume(' ');
      m.payload = c.rest();
      return;
    }
    if (is_hostname(first) && c.consume(' ')) {
      size_t second_start = c.pos();
      std::string_view second = c.word();
      if (parse_tag(second, m.app_name, m.procid)) {
        m.hostname = first;
        c.consume(' ');
        m.payload = c.rest();
        return;
      }
      // RFC 3164 puts the hostname right after the timestamp. Without a timestamp, a first
      // word is more likely the start of the message; a lone word after the timestamp is kept
      // as the message too, since losing text is worse than a missing hostname.
      if (has_timestamp) {
        m.hostname = first;
        c.set_pos(second_start);
        m.payload = c.rest();
        return;
      }
    }
  }
  c.set_pos(after_ts);
  m.payload = c.rest();
}

// A 5424 header field: NILVALUE "-" reads as empty.
std::string_view field(Cursor& c) {
  std::string_view w = c.word();
  c.consume(' ');
  return w == "-" ? std::string_view() : w;
}

// One or more "[id param="value" ...]" elements; values may hold escaped '"', '\' and ']'.
// Returns false when an element is not closed.
bool structured_data(Cursor& c) {
  while (c.peek() == '[') {
    c.skip(1);
    bool quoted = false;
    while (true) {
      if (c.done()) return false;
      char ch = c.peek();
      c.skip(1);
      if (quoted && ch == '\\') {
        c.skip(1);
      } else if (ch == '"') {
        quoted = !quoted;
      } else if (!quoted && ch == ']') {
        break;
      }
    }
  }
  return true;
}

void parse_5424(Cursor& c, SyslogMessage& m) {
  m.format = SyslogMessage::Format::kRfc5424;
  m.timestamp = field(c);
  m.hostname = field(c);
  m.app_name = field(c);
  m.procid = field(c);
  m.msgid = field(c);
  size_t sd_start = c.pos();
  if (c.done()) return;  // the header was cut short: no payload
  bool sd_ok = c.consume('-') || (c.peek() == '[' && structured_data(c));
  if (!sd_ok || !at_word_end(c)) {
    // Malformed structured data: keep it with the message rather than lose the message.
    c.set_pos(sd_start);
    m.payload = c.rest();
    return;
  }
  std::string_view sd = c.slice(sd_start, c.pos());
  m.structured_data = sd == "-" ? std::string_view() : sd;
  c.consume(' ');
  std::string_view msg = c.rest();
  // RFC 5424 marks a UTF-8 MSG with a byte order mark, which is not part of the text.
  if (msg.substr(0, 3) == "\xEF\xBB\xBF") msg.remove_prefix(3);
  m.payload = msg;
}

}  // namespace

SyslogMessage parse_syslog_message(std::string_view frame) {
  SyslogMessage m;
  Cursor c(frame);
  int pri = parse_pri(c);
  if (pri < 0) {
    m.payload = frame;
    return m;
  }
  m.pri = pri;
  // Only version 1 exists; "<PRI>1 " cannot start a sane 3164 message (no month starts with a
  // digit and a one-digit hostname is unlikely), so it selects 5424.
  if (c.peek() == '1' && c.peek(1) == ' ') {
    c.skip(2);
    parse_5424(c, m);
  } else {
    parse_3164(c, m);
  }
  return m;
}

}  // namespace sluice

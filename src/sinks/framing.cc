#include "sinks/framing.h"

#include <chrono>
#include <cstdint>
#include <cstring>

namespace sluice {
namespace {

constexpr char kPri[] = "<134>";           // facility local0 (16) * 8 + severity info (6)
constexpr size_t kMaxAppNameBytes = 48;    // RFC 5424 APP-NAME
constexpr size_t kMaxHostnameBytes = 255;  // RFC 5424 HOSTNAME

void append(LineBuffer& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

// Header fields are space-separated, so a space (or a control character) inside the hostname or
// the endpoint name would shift every later field and the receiver would misparse the line.
// Endpoint names are free text in Fastly's model, so such characters become '_' here. Classic
// framing also ends the tag at ':', so that is replaced as well.
void append_header_field(LineBuffer& out, std::string_view s, size_t max_bytes, bool colon_too) {
  if (s.empty()) {
    out.push_back('-');
    return;
  }
  if (s.size() > max_bytes) s = s.substr(0, max_bytes);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool bad = u <= 0x20 || u >= 0x7f || (colon_too && c == ':');
    out.push_back(bad ? '_' : c);
  }
}

// The same second is framed over and over in a stream, so the civil-time conversion runs once per
// second per thread and the digits are copied after that.
struct SecondCache {
  int64_t second = INT64_MIN;
  char rfc3164[15];  // "Nov 21 08:00:00"
  char rfc3339[19];  // "2026-11-21T08:00:00"
};

void put2(char* p, unsigned v) {
  p[0] = char('0' + v / 10 % 10);
  p[1] = char('0' + v % 10);
}

const SecondCache& cached_second(int64_t sec) {
  thread_local SecondCache cache;
  if (cache.second == sec) return cache;
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  using namespace std::chrono;
  int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
  int64_t rem = sec - days * 86400;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  unsigned month = unsigned(ymd.month()), day = unsigned(ymd.day());
  unsigned hour = unsigned(rem / 3600), minute = unsigned(rem / 60 % 60),
           second = unsigned(rem % 60);
  int year = int(ymd.year());

  char* c = cache.rfc3164;
  std::memcpy(c, kMonths[month - 1], 3);
  c[3] = ' ';
  // RFC 3164 pads a one-digit day with a space: "Nov  1".
  c[4] = day < 10 ? ' ' : char('0' + day / 10);
  c[5] = char('0' + day % 10);
  c[6] = ' ';
  put2(c + 7, hour);
  c[9] = ':';
  put2(c + 10, minute);
  c[12] = ':';
  put2(c + 13, second);

  char* r = cache.rfc3339;
  unsigned y = year < 0 ? 0 : unsigned(year) % 10000;
  put2(r, y / 100);
  put2(r + 2, y % 100);
  r[4] = '-';
  put2(r + 5, month);
  r[7] = '-';
  put2(r + 8, day);
  r[10] = 'T';
  put2(r + 11, hour);
  r[13] = ':';
  put2(r + 14, minute);
  r[16] = ':';
  put2(r + 17, second);
  cache.second = sec;
  return cache;
}

void append_rfc5424(LineBuffer& out, std::string_view hostname, std::string_view endpoint,
                    std::string_view token, std::string_view line,
                    std::chrono::system_clock::time_point now) {
  int64_t msec =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  int64_t sec = msec >= 0 ? msec / 1000 : -((-msec + 999) / 1000);
  unsigned frac = unsigned(msec - sec * 1000);
  const SecondCache& t = cached_second(sec);
  append(out, kPri);
  out.push_back('1');
  out.push_back(' ');
  out.append(t.rfc3339, t.rfc3339 + sizeof t.rfc3339);
  char f[6] = {'.', char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10), 'Z',
               ' '};
  out.append(f, f + sizeof f);
  append_header_field(out, hostname, kMaxHostnameBytes, false);
  out.push_back(' ');
  append_header_field(out, endpoint, kMaxAppNameBytes, false);
  append(out, " - - - ");  // PROCID, MSGID, STRUCTURED-DATA
  if (!token.empty()) {
    append(out, token);
    out.push_back(' ');
  }
  append(out, line);
}

}  // namespace

void append_framed(LineBuffer& out, MessageType type, std::string_view hostname,
                   std::string_view endpoint, std::string_view token, std::string_view line,
                   std::chrono::system_clock::time_point now) {
  switch (type) {
    case MessageType::kBlank:
      break;
    case MessageType::kClassic: {
      int64_t sec =
          std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
      if (now.time_since_epoch() < std::chrono::seconds(sec)) --sec;  // floor before 1970
      const SecondCache& t = cached_second(sec);
      append(out, kPri);
      out.append(t.rfc3164, t.rfc3164 + sizeof t.rfc3164);
      out.push_back(' ');
      append_header_field(out, hostname, kMaxHostnameBytes, false);
      out.push_back(' ');
      append_header_field(out, endpoint, kMaxAppNameBytes, true);
      out.push_back(':');
      out.push_back(' ');
      break;
    }
    case MessageType::kLoggly:
      append_rfc5424(out, hostname, endpoint, token, line, now);
      return;
    case MessageType::kLogplex: {
      // Logplex frames are "LEN SP MSG" with LEN the byte count of MSG. The message is rendered
      // first and its length put in front, moving the bytes once; lines are at most 64 KiB.
      size_t start = out.size();
      append_rfc5424(out, hostname, endpoint, token, line, now);
      size_t len = out.size() - start;
      char digits[24];
      auto res = fmt::format_to_n(digits, sizeof digits - 1, "{}", len);
      size_t n = res.size;
      digits[n++] = ' ';
      out.resize(out.size() + n);
      char* base = out.data() + start;
      std::memmove(base + n, base, len);
      std::memcpy(base, digits, n);
      return;
    }
  }
  if (!token.empty()) {
    append(out, token);
    out.push_back(' ');
  }
  append(out, line);
}

}  // namespace sluice

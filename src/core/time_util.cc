#include "core/time_util.h"

#include <chrono>
#include <cstring>
#include <ctime>
#include <string>

namespace sluice {
namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::string_view kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

struct CivilTime {
  int year, month, day, hour, minute, second, weekday;
};

CivilTime to_civil(int64_t usec) {
  using namespace std::chrono;
  int64_t secs = usec_to_sec(usec);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  sys_days d{std::chrono::days{days}};
  year_month_day ymd{d};
  weekday wd{d};
  return CivilTime{int(ymd.year()),     int(unsigned(ymd.month())), int(unsigned(ymd.day())),
                   int(rem / 3600),     int(rem / 60 % 60),         int(rem % 60),
                   int(wd.c_encoding())};
}

void append2(LineBuffer& out, int v) {
  char b[2] = {char('0' + v / 10 % 10), char('0' + v % 10)};
  append_bytes(out, b, 2);
}

void append_str(LineBuffer& out, std::string_view s) {
  append_bytes(out, s);
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool parse_rfc3339(std::string_view s, int64_t& usec_out) {
  // The fixed part, "YYYY-MM-DDTHH:MM:SS", at fixed positions: one size check, then each digit
  // read as its distance from '0' (a non-digit is above 9). Every record's time.start comes
  // through here.
  if (s.size() < 19) return false;
  const auto* c = reinterpret_cast<const unsigned char*>(s.data());
  auto d = [c](size_t i) { return unsigned(c[i]) - unsigned('0'); };
  bool not_digit = false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) not_digit |= d(i) > 9;
  if (not_digit || c[4] != '-' || c[7] != '-' || (c[10] != 'T' && c[10] != 't' && c[10] != ' ') ||
      c[13] != ':' || c[16] != ':') {
    return false;
  }
  int y = int(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3));
  int mo = int(d(5) * 10 + d(6)), dd = int(d(8) * 10 + d(9));
  int h = int(d(11) * 10 + d(12)), mi = int(d(14) * 10 + d(15)), se = int(d(17) * 10 + d(18));
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(dd)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return false;
  size_t pos = 19;
  int64_t frac_usec = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_usec += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  int64_t offset_sec = 0;
  if (pos >= s.size()) return false;  // RFC 3339 requires a zone
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om)) {
      return false;
    }
    offset_sec = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t days = sys_days{ymd}.time_since_epoch().count();
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_sec;
  usec_out = secs * 1000000 + frac_usec;
  return true;
}

void append_out_of_bounds(LineBuffer& out) {
  append_str(out, "datetime out of bounds");
}

void append_http_date(LineBuffer& out, int64_t usec) {
  if (!time_in_range(usec)) return append_out_of_bounds(out);
  CivilTime t = to_civil(usec);
  append_str(out, kWeekdays[t.weekday]);
  append_str(out, ", ");
  append2(out, t.day);
  out.push_back(' ');
  append_str(out, kMonths[t.month - 1]);
  fmt::format_to(std::back_inserter(out), " {:04} ", t.year);
  append2(out, t.hour);
  out.push_back(':');
  append2(out, t.minute);
  out.push_back(':');
  append2(out, t.second);
  append_str(out, " GMT");
}

void append_clf_time(LineBuffer& out, int64_t usec) {
  if (!time_in_range(usec)) return append_out_of_bounds(out);
  CivilTime t = to_civil(usec);
  out.push_back('[');
  append2(out, t.day);
  out.push_back('/');
  append_str(out, kMonths[t.month - 1]);
  fmt::format_to(std::back_inserter(out), "/{:04}:", t.year);
  append2(out, t.hour);
  out.push_back(':');
  append2(out, t.minute);
  out.push_back(':');
  append2(out, t.second);
  append_str(out, " +0000]");
}

void append_strftime(LineBuffer& out, std::string_view format, int64_t usec) {
  // One-entry cache per thread: consecutive lines of a stream mostly share their second.
  thread_local std::string cached_format;
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached_result;

  if (!time_in_range(usec)) return append_out_of_bounds(out);
  int64_t second = usec_to_sec(usec);
  if (second == cached_second && format == cached_format) {
    append_str(out, cached_result);
    return;
  }
  std::time_t tt = static_cast<std::time_t>(second);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  thread_local std::string fmt_z;  // strftime needs a NUL-terminated format
  fmt_z.assign(format);
  // strftime returns 0 both when the result does not fit and when it is empty: grow and retry,
  // up to the longest line an endpoint accepts (64 KiB), so a long result is never lost.
  thread_local std::string buf(512, '\0');
  size_t n = 0;
  while (!fmt_z.empty()) {
    n = std::strftime(buf.data(), buf.size(), fmt_z.c_str(), &tm);
    if (n > 0 || buf.size() >= 64 * 1024) break;
    buf.resize(buf.size() * 2);
  }
  cached_format.assign(format);
  cached_second = second;
  cached_result.assign(buf.data(), n);
  append_str(out, cached_result);
}

}  // namespace sluice

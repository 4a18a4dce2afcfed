#include "aws/sts.h"

#include <ctime>

#include <fmt/format.h>

namespace sluice {
namespace {

// The text of the first <tag>...</tag> in xml, or nullopt. STS answers are small, flat enough
// documents that a full XML parser would add a dependency for nothing: the elements read here
// are unique in the response and hold text only.
std::optional<std::string> element_text(std::string_view xml, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag);
  std::string close = fmt::format("</{}>", tag);
  size_t a = xml.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  size_t b = xml.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  std::string_view raw = xml.substr(a, b - a);
  // Undo the five predefined entities; nothing else occurs in these fields.
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, c] : kEntities) {
      if (raw.substr(i, name.size()) == name) {
        out += c;
        i += name.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out += '&';
  }
  return out;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_aws_time(std::string_view s) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits: it ends in 2262. Credentials expire within
  // hours, so a year outside this range is malformed, not a time to convert (found by
  // kinesis_answers_fuzz: the year 5866 overflowed).
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  if (t == time_t(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

std::string aws_form_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string assume_role_body(const AssumeRoleParams& p) {
  std::string body = fmt::format(
      "Action=AssumeRole&DurationSeconds={}&RoleArn={}&RoleSessionName={}&Version=2011-06-15",
      p.duration_seconds, aws_form_encode(p.role_arn), aws_form_encode(p.session_name));
  if (!p.external_id.empty()) body += "&ExternalId=" + aws_form_encode(p.external_id);
  return body;
}

Result<TemporaryCredentials> parse_assume_role_response(std::string_view xml) {
  if (xml.find("<ErrorResponse") != std::string_view::npos) {
    auto code = element_text(xml, "Code");
    auto message = element_text(xml, "Message");
    return Error(fmt::format("STS AssumeRole refused: {}{}{}", code ? *code : "unknown error",
                             message ? ": " : "", message ? *message : ""));
  }
  auto creds = element_text(xml, "Credentials");
  if (!creds) return Error("STS AssumeRole answer has no Credentials element");
  TemporaryCredentials out;
  auto akid = element_text(*creds, "AccessKeyId");
  auto secret = element_text(*creds, "SecretAccessKey");
  auto token = element_text(*creds, "SessionToken");
  auto expiration = element_text(*creds, "Expiration");
  if (!akid || akid->empty() || !secret || secret->empty() || !token || token->empty()) {
    return Error("STS AssumeRole answer lacks AccessKeyId, SecretAccessKey or SessionToken");
  }
  auto when = expiration ? parse_aws_time(*expiration) : std::nullopt;
  if (!when) {
    return Error(
        fmt::format("STS AssumeRole answer for {}: Expiration is missing or malformed", *akid));
  }
  out.credentials = {std::move(*akid), std::move(*secret), std::move(*token)};
  out.expiration = *when;
  return out;
}

std::chrono::system_clock::time_point refresh_time(
    std::chrono::system_clock::time_point issued,
    std::chrono::system_clock::time_point expiration) {
  using Duration = std::chrono::system_clock::duration;
  Duration life = expiration - issued;
  if (life <= Duration::zero()) return issued;
  Duration early =
      std::max<Duration>(life / 4, std::min<Duration>(std::chrono::minutes(5), life / 2));
  return expiration - early;
}

}  // namespace sluice

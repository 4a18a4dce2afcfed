#include "sinks/http/retry_logic.h"

#include <ctime>

#include <fmt/format.h>

#include "core/redact.h"

namespace sluice {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  bool digits = true;
  for (char c : value) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    // Anything beyond the cap is the cap; long digit strings must not overflow.
    if (value.size() > 7) return kMaxRetryAfter;
    auto ms = std::chrono::milliseconds(std::stoll(std::string(value)) * 1000);
    return std::min(ms, kMaxRetryAfter);
  }
  std::tm tm{};
  std::string text(value);
  const char* formats[] = {"%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
                           "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
                           "%a %b %d %H:%M:%S %Y"};      // asctime
  for (const char* f : formats) {
    tm = std::tm{};
    const char* end = strptime(text.c_str(), f, &tm);
    if (end == nullptr || *end != '\0') continue;
    auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (at <= now) return std::chrono::milliseconds(0);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    return std::min(ms, kMaxRetryAfter);
  }
  return std::nullopt;
}

HttpVerdict classify_http_outcome(const HttpOutcome& o, std::string_view what,
                                  std::chrono::system_clock::time_point now,
                                  std::span<const std::string> secrets) {
  using Action = HttpVerdict::Action;
  HttpVerdict v;
  if (!o.transport_ok) {
    v.action = Action::kRetry;
    switch (o.transport) {
      case HttpOutcome::Transport::kTimeout:
        v.message = fmt::format("{}: timed out ({})", what, o.transport_error);
        break;
      case HttpOutcome::Transport::kTls:
      case HttpOutcome::Transport::kConfiguration:
        // Nothing is dropped for these: the lines stay queued until someone fixes the
        // certificate, the name or the URL.
        v.error_class = ErrorClass::kConfiguration;
        v.message = fmt::format("{}: {}", what, o.transport_error);
        break;
      default:
        v.message = fmt::format("{}: {}", what, o.transport_error);
        break;
    }
    return v;
  }
  long s = o.status;
  if (s >= 200 && s < 300) return v;
  // Printable on one line of the error stream, and safe to show in /status.
  std::string excerpt =
      redact_excerpt(std::string_view(o.body).substr(0, kErrorBodyBytes), secrets);
  v.message = fmt::format("{}: HTTP {}{}{}", what, s, excerpt.empty() ? "" : ": ", excerpt);
  if (s == 429 || s == 408 || s >= 500) {
    // 408: the server gave up waiting for our request, a transient condition like a timeout.
    v.action = Action::kRetry;
    if (!o.retry_after.empty()) v.retry_after = parse_retry_after(o.retry_after, now);
  } else if (s >= 400) {
    v.action = Action::kDontRetry;
    v.error_class = ErrorClass::kPermanent;
  } else {
    // 1xx/3xx as a final answer: redirects are not followed (a log receiver that moved is a
    // configuration to fix, and following one could send logs somewhere unintended).
    v.action = Action::kRetry;
    v.error_class = ErrorClass::kConfiguration;
  }
  return v;
}

Verdict to_verdict(HttpVerdict verdict) {
  switch (verdict.action) {
    case HttpVerdict::Action::kSuccess:
      return Verdict::successful();
    case HttpVerdict::Action::kRetry:
      return Verdict::retry(verdict.error_class, std::move(verdict.message), verdict.retry_after);
    case HttpVerdict::Action::kDontRetry:
      break;
  }
  return Verdict::dont_retry(verdict.error_class, std::move(verdict.message));
}

}  // namespace sluice

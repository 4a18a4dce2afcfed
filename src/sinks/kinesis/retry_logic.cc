#include "sinks/kinesis/retry_logic.h"

#include <fmt/format.h>

#include "sinks/kinesis/request_builder.h"

namespace sluice {
namespace {

bool is_one_of(std::string_view type, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (type == n) return true;
  }
  return false;
}

}  // namespace

KinesisVerdict classify_kinesis_call(const HttpOutcome& o, std::string_view what, size_t records) {
  KinesisVerdict v;
  if (!o.transport_ok) {
    HttpVerdict h = classify_http_outcome(o, what, std::chrono::system_clock::now());
    v.action = h.error_class == ErrorClass::kConfiguration ? KinesisVerdict::Action::kRetrySlowly
                                                           : KinesisVerdict::Action::kRetry;
    v.error_class = h.error_class;
    v.message = h.message;
    return v;
  }
  if (o.status >= 200 && o.status < 300) return v;

  KinesisApiError api = parse_kinesis_error(o.body);
  std::string type = api.type.empty() ? fmt::format("HTTP {}", o.status) : api.type;
  v.message = fmt::format("{}: {}{}{}", what, type, api.message.empty() ? "" : ": ", api.message);
  const std::string& t = api.type;

  if (o.status >= 500 || o.status == 429 || o.status == 408 ||
      is_one_of(t, {"ProvisionedThroughputExceededException", "LimitExceededException",
                    "ThrottlingException", "InternalFailure", "ServiceUnavailable",
                    "KMSThrottlingException", "RequestExpired"})) {
    v.action = KinesisVerdict::Action::kRetry;
    v.error_class = ErrorClass::kRetryable;
    return v;
  }
  if (t == "ResourceNotFoundException" || t == "ResourceInUseException") {
    // The stream is gone, not yet created, or being deleted: an operator's problem, and the
    // shard map must be read again once it is back.
    v.action = KinesisVerdict::Action::kRetrySlowly;
    v.error_class = ErrorClass::kConfiguration;
    v.refresh_shards = true;
    return v;
  }
  if (is_one_of(t,
                {"ExpiredTokenException", "ExpiredToken", "InvalidSignatureException",
                 "UnrecognizedClientException", "IncompleteSignature", "MissingAuthenticationToken",
                 "InvalidClientTokenId", "SignatureDoesNotMatch"})) {
    v.action = KinesisVerdict::Action::kRetrySlowly;
    v.error_class = ErrorClass::kConfiguration;
    v.refresh_credentials = true;
    return v;
  }
  if (o.status == 403 ||
      is_one_of(t, {"AccessDeniedException", "KMSAccessDeniedException", "KMSDisabledException",
                    "KMSInvalidStateException", "KMSNotFoundException", "KMSOptInRequired",
                    "InvalidArgumentException"})) {
    v.action = KinesisVerdict::Action::kRetrySlowly;
    v.error_class = ErrorClass::kConfiguration;
    return v;
  }
  if (t == "ValidationException" || t == "SerializationException" || o.status == 413 ||
      o.status == 400) {
    // The request was refused as a whole. Usually one record is at fault (too large, a bad
    // key): send each record alone so only that one goes to the dead letter.
    v.action = records > 1 ? KinesisVerdict::Action::kIsolate : KinesisVerdict::Action::kDeadLetter;
    v.error_class = ErrorClass::kPermanent;
    return v;
  }
  v.action = KinesisVerdict::Action::kRetrySlowly;
  v.error_class = ErrorClass::kConfiguration;
  return v;
}

KinesisEntryAction classify_record_error(std::string_view code) {
  if (code == "ProvisionedThroughputExceededException") return KinesisEntryAction::kThrottled;
  if (code.rfind("KMS", 0) == 0 && code != "KMSThrottlingException") {
    return KinesisEntryAction::kRetrySlowly;  // a key disabled or not allowed: the operator's
  }
  return KinesisEntryAction::kRetry;  // InternalFailure, KMSThrottlingException, the unknown
}

Verdict to_verdict(const KinesisVerdict& v) {
  switch (v.action) {
    case KinesisVerdict::Action::kSuccess:
      return Verdict::successful();
    case KinesisVerdict::Action::kRetry:
    case KinesisVerdict::Action::kRetrySlowly:
      return Verdict::retry(v.error_class, v.message);
    case KinesisVerdict::Action::kIsolate:
      return Verdict::retry(v.error_class,
                            v.message +
                                "; its records are sent one per call to find the one at "
                                "fault",
                            std::chrono::milliseconds(0));
    case KinesisVerdict::Action::kDeadLetter:
      break;
  }
  return Verdict::dont_retry(v.error_class, v.message);
}

Verdict put_records_verdict(const PutRecordsResult& result,
                            std::span<const uint32_t> lines_per_record, std::string_view what,
                            size_t& throttled) {
  throttled = 0;
  size_t failed = 0, slow = 0;
  std::string first_error;
  std::vector<uint32_t> failed_lines;
  uint32_t line = 0;
  for (size_t i = 0; i < lines_per_record.size(); ++i) {
    uint32_t n = lines_per_record[i];
    const PutRecordsEntryResult& r = result.entries[i];
    if (!r.ok) {
      if (first_error.empty()) first_error = r.error_code + ": " + r.error_message;
      switch (classify_record_error(r.error_code)) {
        case KinesisEntryAction::kThrottled:
          ++throttled;
          break;
        case KinesisEntryAction::kRetry:
          ++failed;
          break;
        case KinesisEntryAction::kRetrySlowly:
          ++slow;
          break;
      }
      for (uint32_t j = 0; j < n; ++j) failed_lines.push_back(line + j);
    }
    line += n;
  }
  if (failed_lines.empty()) return Verdict::successful();
  ErrorClass cls = slow > 0 ? ErrorClass::kConfiguration : ErrorClass::kRetryable;
  Verdict v = Verdict::retry_partial(
      std::move(failed_lines), cls,
      fmt::format("PutRecords to {}: {} of {} records failed ({} throttled); first: {}", what,
                  throttled + failed + slow, lines_per_record.size(), throttled, first_error));
  v.throttled = failed + slow == 0;
  return v;
}

}  // namespace sluice

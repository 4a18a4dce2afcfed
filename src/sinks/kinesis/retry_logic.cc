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

}  // namespace sluice

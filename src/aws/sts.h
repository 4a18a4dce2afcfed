#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "core/result.h"

namespace sluice {

// STS AssumeRole (Query protocol, API version 2011-06-15): the form body of the request and the
// parsing of its XML answer. The caller signs the POST with SigV4 for service "sts" using the
// base credentials and sends it with its own HTTP client.
struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  // 2-64 of [\w+=,.@-]
  std::string external_id;   // optional
  int duration_seconds = 3600;
};

[[nodiscard]] std::string assume_role_body(const AssumeRoleParams& params);

struct TemporaryCredentials {
  AwsCredentials credentials;
  std::chrono::system_clock::time_point expiration;
};

// Parses an AssumeRoleResponse; for an ErrorResponse, the error names its Code and Message.
// Secrets in the document never appear in a message.
[[nodiscard]] Result<TemporaryCredentials> parse_assume_role_response(std::string_view xml);

// When to ask again for credentials issued at `issued` and expiring at `expiration`: well before
// expiry (at three quarters of their life, and at least five minutes early when they live long
// enough), so that requests never go out signed with expired credentials.
[[nodiscard]] std::chrono::system_clock::time_point refresh_time(
    std::chrono::system_clock::time_point issued, std::chrono::system_clock::time_point expiration);

// "2026-11-21T15:04:05Z" (a fraction of a second is ignored): the time format of AWS's
// credential answers (STS, instance metadata).
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_aws_time(
    std::string_view text);

// Percent-encodes for application/x-www-form-urlencoded as AWS's Query protocol wants it (every
// byte but A-Z a-z 0-9 - . _ ~).
[[nodiscard]] std::string aws_form_encode(std::string_view value);

}  // namespace sluice

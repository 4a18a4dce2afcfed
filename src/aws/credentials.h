#pragma once

#include <string>

namespace sluice {

// The credentials a request is signed with: a long-term key pair, or temporary credentials from
// STS, which add a session token. The secret and the token are never written into a log line,
// an error message or /status: code that reports on credentials names the access key id only.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term credentials

  [[nodiscard]] bool has_session_token() const { return !session_token.empty(); }
};

}  // namespace sluice

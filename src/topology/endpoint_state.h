#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// What an endpoint is doing, as /status shows it (docs/operations.md, "GET /status"). One set
// for every type; a type uses the states that apply to it.
enum class EndpointState : uint8_t {
  kStarting,             // created, its sink not yet running
  kOk,                   // delivering, or idle with nothing queued
  kConnecting,           // (syslog) opening its connection
  kRetrying,             // the last attempt failed with a retryable error; it will try again
  kError,                // a configuration error (unknown stream, bad credentials): waits for a fix
  kVerifying,            // (https) asking the domain-ownership challenge
  kChallengeFailed,      // (https) the challenge failed: nothing is sent until it passes
  kListingShards,        // (kinesis) the stream's shards are not known yet
  kAssumingRole,         // (kinesis) asking STS for the role's credentials
  kFetchingCredentials,  // (kinesis) asking the instance metadata for credentials
  kStopped,              // its sink stopped (shutdown, or replaced by a reload)
};

[[nodiscard]] constexpr std::string_view to_string(EndpointState s) {
  switch (s) {
    case EndpointState::kStarting:
      return "starting";
    case EndpointState::kOk:
      return "ok";
    case EndpointState::kConnecting:
      return "connecting";
    case EndpointState::kRetrying:
      return "retrying";
    case EndpointState::kError:
      return "error";
    case EndpointState::kVerifying:
      return "verifying";
    case EndpointState::kChallengeFailed:
      return "challenge_failed";
    case EndpointState::kListingShards:
      return "listing_shards";
    case EndpointState::kAssumingRole:
      return "assuming_role";
    case EndpointState::kFetchingCredentials:
      return "fetching_credentials";
    case EndpointState::kStopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace sluice

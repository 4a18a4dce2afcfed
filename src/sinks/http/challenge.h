#pragma once

#include <string>
#include <string_view>

#include "sinks/http/url.h"

namespace sluice {

// The domain-ownership challenge (Fastly's "HTTP challenge", seed 004): before sending logs to a
// host, sluice asks GET <scheme>://<host>/.well-known/fastly/logging/challenge, and delivers only
// if the answer is 200 with a line equal to hex(sha256(service id)), or a line "*". This stops a
// configuration from turning sluice into a firehose at someone else's server.

inline constexpr std::string_view kChallengePath = "/.well-known/fastly/logging/challenge";

// hex(sha256(service_id)), lower case: the line a receiver serves (`sluice challenge ID`).
[[nodiscard]] std::string challenge_token(std::string_view service_id);

// The challenge URL of the endpoint's origin.
[[nodiscard]] std::string challenge_url(const HttpUrl& url);

// Whether a 200 response body proves ownership: one of its lines, with surrounding whitespace
// (and CR) ignored, is `token` or "*". Lines are compared case-insensitively, since hex digits
// may be served in upper case.
[[nodiscard]] bool challenge_accepts(std::string_view body, std::string_view token);

}  // namespace sluice

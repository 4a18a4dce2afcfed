#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// What replaces a secret wherever sluice shows text that may carry one (/status, /errors,
// stderr); the same word as the redacted fields of a printed configuration.
inline constexpr std::string_view kRedacted = "(redacted)";

// `url` with its credentials replaced: the userinfo ("user:password@") and the value of every
// query parameter, e.g. https://(redacted)@logs.example/in?token=(redacted)&v=(redacted).
// Query values are all redacted because sluice cannot tell a token from a harmless parameter;
// the names stay, so the URL is still recognisable. Text that is not a URL comes back as is.
[[nodiscard]] std::string redact_url(std::string_view url);

// What redact_url() hides, for redact_excerpt(): the userinfo and the query values.
[[nodiscard]] std::vector<std::string> url_credentials(std::string_view url);

// A receiver's text (the start of an error response body) made safe to show: each of `secrets`
// (what sluice itself sent: header values, URL credentials; those shorter than 4 bytes are
// ignored) is replaced wherever it appears, even cut off at the end; the value after any name
// that looks like a credential ("Authorization: ...", "\"api_key\":\"...\"", "token=...") is
// replaced; and control bytes become spaces, so the excerpt is one line. A receiver that echoes
// the request's headers therefore cannot expose them through the API.
[[nodiscard]] std::string redact_excerpt(std::string_view text,
                                         std::span<const std::string> secrets);

}  // namespace sluice

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/body_budget.h"

namespace sluice {

// The Content-Encoding of an ingest body.
enum class BodyEncoding : uint8_t { kIdentity, kGzip, kZstd };

// Reads a Content-Encoding header value: absent, empty or "identity" is none; "gzip" (or the
// old "x-gzip") and "zstd", in any case. Anything else, a list of codings included, is an error
// naming the value, which HTTP ingest answers with 415.
[[nodiscard]] Result<BodyEncoding> parse_content_encoding(std::string_view value);

// Decodes `body` into `out` (replaced), producing at most `max_bytes`: the body limit applies to
// what the body decodes to, so a small body that inflates without end (a decompression bomb)
// stops at the limit instead of filling memory. gzip may hold several members, zstd several
// frames, as their tools write them. Errors: kResourceExhausted when the decoded body is over
// `max_bytes` (ingest answers 413), kInvalidArgument for a corrupt or truncated stream (400).
// With a `lease`, the memory `out` takes is charged to its body budget before it is taken, and
// kUnavailable is the budget having no room (503): the decoded copy is a body in progress too.
[[nodiscard]] Status decode_body(BodyEncoding encoding, std::string_view body, size_t max_bytes,
                                 std::string& out, BodyLease* lease = nullptr);

}  // namespace sluice

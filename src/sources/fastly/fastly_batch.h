#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "route/ingest_session.h"
#include "sources/http/ingest_body.h"

namespace sluice {

// Splits one batch of a Fastly HTTPS logging endpoint into its entries and submits them:
//   json_format 0: one entry a line (blank lines skipped, a trailing '\r' dropped);
//   json_format 2: the same, and a line that is a JSON string is that string's text;
//   json_format 1: a JSON array, one entry an element (a string element is its text);
//   auto: 1 for a body that is one JSON array, else 2;
// each entry without the syslog prefix its message_type put in front (classic
// "<134>2016-07-04T22:37:26Z cache-sjc3128 Name[62959]: ", loggly's RFC 5424 header, logplex's
// length and RFC 5424 header), when strip_prefix is set and the entry has one.
// The entries go to the source's `service`: as request records (payload kRecord), or as lines
// for its `fastly.endpoint` (kLog). Errors name the entry (1-based) and the reason; the
// session is not flushed.
[[nodiscard]] IngestOutcome ingest_fastly_batch(IngestSession& session, const SourceConfig& source,
                                                std::string_view body);

// The entry without its message_type prefix: the message. An entry without one is returned
// as it is.
[[nodiscard]] std::string_view strip_fastly_prefix(std::string_view entry);

}  // namespace sluice

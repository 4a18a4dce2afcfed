#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// The pieces of the Prometheus text exposition format (version 0.0.4) that GET /metrics writes:
// the HELP and TYPE comments, label sets and sample lines. Metric and label names are the
// caller's constants; label values come from the wire (service ids, endpoint names from log
// statements, source names) and are made safe here, so that no name can break a scrape.

// Appends `value` as the inside of a label value's quotes: valid UTF-8 (a byte that is not part
// of a well-formed sequence becomes U+FFFD, as Prometheus refuses the whole scrape otherwise)
// with backslash, double quote and newline escaped as \\, \" and \n.
void append_label_value(std::string& out, std::string_view value);
[[nodiscard]] std::string label_value(std::string_view value);

// Appends `name="value"` to a label set, after a ',' when it is not empty.
void append_label(std::string& labels, std::string_view name, std::string_view value);

// "# HELP name help\n# TYPE name type\n". `help` is escaped as the format asks (\\ and \n).
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);

// One sample line: `name{labels} value\n`, or `name value\n` for an empty label set. `labels`
// is a label set built with append_label. A double is written with six decimals (the
// histograms' sums, in seconds), or as NaN, +Inf or -Inf.
void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value);
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace sluice

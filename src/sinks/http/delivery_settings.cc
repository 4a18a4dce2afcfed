#include "sinks/http/delivery_settings.h"

#include <fmt/format.h>

#include "config/table_reader.h"

namespace sluice {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

void parse_http_delivery_fields(TableReader& r, HttpDeliverySettings& s) {
  if (auto j = r.integer("json_format", 0, 2)) s.json_format = JsonFormat(*j);

  auto codec = r.choice("compression_codec", {"gzip", "zstd"});
  auto gzip_level = r.integer("gzip_level", 0, 9);
  if (codec && gzip_level) {
    // Fastly rejects the pair too: which one wins would be a guess.
    r.error("gzip_level", "set either compression_codec or gzip_level, not both");
  } else if (codec) {
    s.codec = *codec == "gzip" ? Codec::kGzip : Codec::kZstd;
    // gzip 1 (igzip level 1): on log lines it compresses 2-2.5 times as fast as level 3
    // (igzip's level 3, which searches harder) for bodies less than 1% larger, and compression
    // runs on the sink's one strand, so it is what lets one core carry 300k lines/s with gzip.
    // Fastly's web interface sets 3; `gzip_level = 3` asks for it. zstd 3 is zstd's own default.
    // Figures: docs/operations.md, "Performance".
    s.compression_level = *codec == "gzip" ? 1 : 3;
  } else if (gzip_level && *gzip_level > 0) {
    s.codec = Codec::kGzip;
    s.compression_level = int(*gzip_level);
  }

  if (auto n = r.integer("request_max_entries", 0, 1000000)) {
    s.request_max_entries = *n == 0 ? HttpDeliverySettings::kDefaultMaxEntries : size_t(*n);
  }
  if (auto b = r.bytes("request_max_bytes", 0, HttpDeliverySettings::kDefaultMaxBytes)) {
    s.request_max_bytes = *b == 0 ? HttpDeliverySettings::kDefaultMaxBytes : *b;
    // One line must always fit, or a batch could never be built.
    if (s.request_max_bytes < 1024) r.error("request_max_bytes", "must be at least 1024 bytes");
  }

  auto period = r.seconds("period", 0, 3600);
  auto period_ms = r.integer("period_ms", 0, 3600 * 1000);
  if (period && period_ms) {
    r.error("period_ms", "set either period or period_ms, not both");
  } else if (period) {
    s.period_seconds = *period;
  } else if (period_ms) {
    s.period_seconds = double(*period_ms) / 1000;
  }

  // A number of requests, or "adaptive" (starts at 1 and follows the destination's latency and
  // errors, up to kMaxConcurrency).
  if (r.is_string("concurrency") && !all_digits(*r.string("concurrency"))) {
    if (r.choice("concurrency", {"adaptive"})) {
      s.adaptive_concurrency = true;
      s.concurrency = HttpDeliverySettings::kMaxConcurrency;
    }
  } else if (auto c = r.integer("concurrency", 1, HttpDeliverySettings::kMaxConcurrency)) {
    s.concurrency = uint32_t(*c);
  }

  if (auto t = r.seconds("timeout", 0.1, 600)) s.timeout_seconds = *t;
  if (auto b = r.seconds("max_backoff", 0.1, 3600)) s.max_backoff_seconds = *b;

  if (auto t = r.string("tls_ca_cert")) s.tls.ca_cert = *t;
  if (auto t = r.string("tls_client_cert")) s.tls.client_cert = *t;
  if (auto t = r.string("tls_client_key")) s.tls.client_key = *t;
  if (auto t = r.string("tls_hostname")) s.tls.hostname = *t;
  if (s.tls.client_cert.empty() != s.tls.client_key.empty()) {
    r.error(s.tls.client_cert.empty() ? "tls_client_key" : "tls_client_cert",
            "tls_client_cert and tls_client_key go together");
  }
}

}  // namespace sluice

namespace sluice {

void print_http_delivery_fields(const HttpDeliverySettings& s, FieldMap& out) {
  out.insert_or_assign("json_format", int64_t(s.json_format));
  if (s.codec == Codec::kGzip) out.insert_or_assign("gzip_level", int64_t(s.compression_level));
  if (s.codec == Codec::kZstd) out.insert_or_assign("compression_codec", "zstd");
  out.insert_or_assign("request_max_entries", int64_t(s.request_max_entries));
  out.insert_or_assign("request_max_bytes", int64_t(s.request_max_bytes));
  out.insert_or_assign("period", s.period_seconds);
  if (s.adaptive_concurrency) {
    out.insert_or_assign("concurrency", "adaptive");
  } else {
    out.insert_or_assign("concurrency", int64_t(s.concurrency));
  }
  out.insert_or_assign("timeout", s.timeout_seconds);
  out.insert_or_assign("max_backoff", s.max_backoff_seconds);
  if (!s.tls.ca_cert.empty()) out.insert_or_assign("tls_ca_cert", s.tls.ca_cert);
  if (!s.tls.client_cert.empty()) out.insert_or_assign("tls_client_cert", s.tls.client_cert);
  if (!s.tls.client_key.empty()) out.insert_or_assign("tls_client_key", s.tls.client_key);
  if (!s.tls.hostname.empty()) out.insert_or_assign("tls_hostname", s.tls.hostname);
}

}  // namespace sluice

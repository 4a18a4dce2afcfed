#include "sinks/kinesis/config.h"

#include <cstdlib>

#include <fmt/format.h>

#include "config/table_reader.h"
#include "format/log_format.h"

namespace sluice {
namespace {

bool valid_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void read_url(TableReader& r, std::string_view key, std::string& url, HttpUrl& parsed) {
  auto value = r.string(key);
  if (!value) return;
  auto p = parse_http_url(*value);
  if (!p) {
    r.error(key, p.error().message());
    return;
  }
  url = *value;
  parsed = std::move(*p);
}

}  // namespace

void KinesisSinkSettings::print(FieldMap& out) const {
  out.insert_or_assign("topic", topic);
  out.insert_or_assign("region", region);
  if (!access_key.empty()) {
    out.insert_or_assign("access_key", access_key);
    out.insert_or_assign("secret_key", secret_key);
  }
  if (!iam_role.empty()) out.insert_or_assign("iam_role", iam_role);
  if (!external_id.empty()) out.insert_or_assign("external_id", external_id);
  out.insert_or_assign("endpoint_url", endpoint_url);
  out.insert_or_assign("sts_endpoint_url", sts_endpoint_url);
  if (!partition_key.empty()) out.insert_or_assign("partition_key", partition_key);
  out.insert_or_assign("aggregation", aggregation == KinesisAggregation::kKpl ? "kpl" : "none");
  out.insert_or_assign("max_record_bytes", int64_t(max_record_bytes));
  out.insert_or_assign("request_max_entries", int64_t(request_max_entries));
  out.insert_or_assign("request_max_bytes", int64_t(request_max_bytes));
  out.insert_or_assign("period", period_seconds);
  out.insert_or_assign("concurrency", int64_t(concurrency));
  out.insert_or_assign("timeout", timeout_seconds);
  out.insert_or_assign("max_backoff", max_backoff_seconds);
  out.insert_or_assign("shard_bytes_per_second", int64_t(shard_bytes_per_second));
  out.insert_or_assign("shard_records_per_second", int64_t(shard_records_per_second));
  out.insert_or_assign("shard_refresh", shard_refresh_seconds);
  out.insert_or_assign("record_ttl", record_ttl_seconds);
}

std::shared_ptr<const SinkSettings> parse_kinesis_settings(TableReader& r) {
  auto s = std::make_shared<KinesisSinkSettings>();
  if (auto t = r.string("topic", /*required=*/true)) {
    s->topic = *t;
    if (!valid_stream_name(*t)) {
      r.error("topic", "a stream name is 1-128 characters of a-z, A-Z, 0-9, '_', '.' and '-'");
    }
  }
  if (auto v = r.string("region", /*required=*/true)) {
    s->region = *v;
    if (!valid_region(*v)) r.error("region", "expected a region name such as \"us-east-1\"");
  }

  auto access = r.string("access_key");
  auto secret = r.string("secret_key");
  if (access.has_value() != secret.has_value()) {
    r.error(access ? "secret_key" : "access_key", "access_key and secret_key go together");
  } else if (access) {
    s->access_key = *access;
    s->secret_key = *secret;
  }
  if (auto v = r.string("iam_role")) {
    s->iam_role = *v;
    if (v->rfind("arn:", 0) != 0) r.error("iam_role", "expected a role ARN (arn:aws:iam::...)");
  }
  if (auto v = r.string("external_id")) {
    s->external_id = *v;
    if (s->iam_role.empty()) r.error("external_id", "external_id needs iam_role");
  }
  // Without a key pair here or in the environment, sluice uses the instance role's credentials
  // (instance metadata) at run time, as the AWS SDKs do; /status says if there are none.

  read_url(r, "endpoint_url", s->endpoint_url, s->parsed_endpoint);
  if (s->endpoint_url.empty() && !s->region.empty()) {
    s->endpoint_url = fmt::format("https://kinesis.{}.amazonaws.com", s->region);
    s->parsed_endpoint = parse_http_url(s->endpoint_url).value();
  }
  read_url(r, "sts_endpoint_url", s->sts_endpoint_url, s->parsed_sts_endpoint);
  if (s->sts_endpoint_url.empty() && !s->region.empty()) {
    s->sts_endpoint_url = fmt::format("https://sts.{}.amazonaws.com", s->region);
    s->parsed_sts_endpoint = parse_http_url(s->sts_endpoint_url).value();
  }

  if (auto v = r.string("partition_key")) {
    s->partition_key = *v;
    if (auto f = LogFormat::compile(*v, FormatVersion::kV2); !f) {
      r.error("partition_key", f.error().message());
    }
  }
  if (auto v = r.choice("aggregation", {"none", "kpl"})) {
    s->aggregation = *v == "kpl" ? KinesisAggregation::kKpl : KinesisAggregation::kNone;
  }
  if (auto b = r.bytes("max_record_bytes", 1024, KinesisSinkSettings::kMaxRecordBytesLimit)) {
    s->max_record_bytes = *b;
  }

  if (auto n = r.integer("request_max_entries", 0, 1000000)) {
    s->request_max_entries =
        *n == 0 ? KinesisSinkSettings::kMaxEntriesPerRequest : std::min<size_t>(size_t(*n), 500);
  }
  if (auto b = r.bytes("request_max_bytes", 0, 1ull << 40)) {
    s->request_max_bytes = *b == 0 ? KinesisSinkSettings::kMaxBytesPerRequest
                                   : std::min(*b, KinesisSinkSettings::kMaxBytesPerRequest);
  }
  auto period = r.seconds("period", 0, 3600);
  auto period_ms = r.integer("period_ms", 0, 3600 * 1000);
  if (period && period_ms) {
    r.error("period_ms", "set either period or period_ms, not both");
  } else if (period) {
    s->period_seconds = *period;
  } else if (period_ms) {
    s->period_seconds = double(*period_ms) / 1000;
  }
  if (auto c = r.integer("concurrency", 1, 64)) s->concurrency = uint32_t(*c);
  if (auto t = r.seconds("timeout", 0.1, 600)) s->timeout_seconds = *t;
  if (auto b = r.seconds("max_backoff", 0.1, 3600)) s->max_backoff_seconds = *b;

  if (auto b = r.bytes("shard_bytes_per_second", 1024, 1ull << 40)) {
    s->shard_bytes_per_second = double(*b);
  }
  if (auto n = r.integer("shard_records_per_second", 1, 1000000)) {
    s->shard_records_per_second = double(*n);
  }
  if (auto t = r.seconds("shard_refresh", 1, 86400)) s->shard_refresh_seconds = *t;
  if (auto t = r.seconds("record_ttl", 0, 365 * 86400.0)) s->record_ttl_seconds = *t;
  return s;
}

}  // namespace sluice

#include "sinks/kinesis/part_settings.h"

#include "aws/instance_metadata.h"

namespace sluice {

using std::chrono::milliseconds;

AwsCredentialSettings kinesis_credential_settings(const KinesisSinkSettings& s,
                                                  std::string_view service_id) {
  AwsCredentialSettings out;
  if (!s.access_key.empty()) {
    out.key_pair = AwsCredentials{s.access_key, s.secret_key, ""};
  } else {
    out.key_pair = environment_credentials();
  }
  out.imds_endpoint = imds_endpoint();
  out.assume_role.role_arn = s.iam_role;
  out.assume_role.session_name = role_session_name(service_id);
  out.assume_role.external_id = s.external_id;
  out.region = s.region;
  out.sts_url = s.sts_endpoint_url;
  out.sts_authority = s.parsed_sts_endpoint.authority();
  out.sts_path = s.parsed_sts_endpoint.target;
  out.sts_timeout = milliseconds(int64_t(s.timeout_seconds * 1000));
  return out;
}

ShardScheduler::Options kinesis_scheduler_options(const KinesisSinkSettings& s) {
  ShardScheduler::Options o;
  o.keyed = !s.partition_key.empty();
  o.aggregate = s.aggregation == KinesisAggregation::kKpl;
  o.limits = ShardRate::Limits{s.shard_records_per_second, s.shard_bytes_per_second};
  o.max_records = s.request_max_entries;
  o.max_bytes = s.request_max_bytes;
  return o;
}

DeliveryDriverSettings kinesis_driver_settings(const KinesisSinkSettings& s,
                                               const KinesisSinkOptions& options) {
  DeliveryDriverSettings d;
  d.concurrency = s.concurrency;
  d.initial_backoff = options.initial_backoff;
  d.max_backoff = milliseconds(int64_t(s.max_backoff_seconds * 1000));
  d.jitter_seed = options.jitter_seed;
  return d;
}

}  // namespace sluice

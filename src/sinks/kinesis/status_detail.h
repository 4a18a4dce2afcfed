#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/credential_provider.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/shard_scheduler.h"

namespace sluice {

// The kinesis endpoint's /status "detail": the stream, the shard map's age, the credentials in
// use (never the secret), and each open shard's rates over the `seconds` since the last report,
// which it also moves the lanes' report marks to.
[[nodiscard]] std::string kinesis_status_detail(const KinesisSinkSettings& settings,
                                                ShardScheduler& scheduler,
                                                const AwsCredentialProvider& credentials,
                                                std::optional<double> map_age_seconds,
                                                double seconds);

}  // namespace sluice

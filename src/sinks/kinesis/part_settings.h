#pragma once

#include <string_view>

#include "aws/credential_provider.h"
#include "delivery/delivery_driver.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/shard_scheduler.h"
#include "sinks/kinesis/sink.h"

namespace sluice {

// What each part of the kinesis sink is built with, from the endpoint's settings.

// Credentials: the key pair given (or the environment's), else the instance role; then the role
// to assume, if any. `service_id` names the STS session.
[[nodiscard]] AwsCredentialSettings kinesis_credential_settings(const KinesisSinkSettings& s,
                                                                std::string_view service_id);
[[nodiscard]] ShardScheduler::Options kinesis_scheduler_options(const KinesisSinkSettings& s);
// The driver's window and backoff; its batch limits are unused (the scheduler plans calls).
[[nodiscard]] DeliveryDriverSettings kinesis_driver_settings(const KinesisSinkSettings& s,
                                                             const KinesisSinkOptions& options);

}  // namespace sluice

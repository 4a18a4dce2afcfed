#pragma once

#include <string>
#include <string_view>

#include "aws/sts.h"
#include "core/result.h"

namespace sluice {

// The EC2 instance metadata service, version 2 (IMDSv2): where the instance role's credentials
// come from when neither the configuration nor the environment holds a key pair.
//   PUT  /latest/api/token                                (X-aws-ec2-metadata-token-ttl-seconds)
//   GET  /latest/meta-data/iam/security-credentials/      the role's name
//   GET  /latest/meta-data/iam/security-credentials/ROLE  its credentials, as JSON
// Each GET carries the token in X-aws-ec2-metadata-token.
inline constexpr std::string_view kImdsTokenPath = "/latest/api/token";
inline constexpr std::string_view kImdsRolePath = "/latest/meta-data/iam/security-credentials/";

// The service's address: AWS_EC2_METADATA_SERVICE_ENDPOINT (as the AWS SDKs read it), else
// http://169.254.169.254; without a trailing slash.
[[nodiscard]] std::string imds_endpoint();

// The role name: the first line of the listing. An error when there is none (no role attached).
[[nodiscard]] Result<std::string> parse_imds_role(std::string_view body);

// {"Code":"Success","AccessKeyId":...,"SecretAccessKey":...,"Token":...,"Expiration":...}.
// Secrets never appear in a message.
[[nodiscard]] Result<TemporaryCredentials> parse_imds_credentials(std::string_view json);

}  // namespace sluice

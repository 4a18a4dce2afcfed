// STS AssumeRole: the request body, the answer's parsing and when to refresh.
#include <gtest/gtest.h>

#include "aws/instance_metadata.h"
#include "aws/sts.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(Sts, AssumeRoleBodyIsFormEncoded) {
  AssumeRoleParams p{"arn:aws:iam::123456789012:role/log writer", "sluice-svc", "ext/1", 900};
  EXPECT_EQ(assume_role_body(p),
            "Action=AssumeRole&DurationSeconds=900&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole"
            "%2Flog%20writer&RoleSessionName=sluice-svc&Version=2011-06-15&ExternalId=ext%2F1");
}

TEST(Sts, ParsesCredentialsAndExpiry) {
  auto r = parse_assume_role_response(
      R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult><Credentials>
    <AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s3cr&amp;t</SecretAccessKey>
    <SessionToken>tok+en/=</SessionToken><Expiration>2026-11-21T15:04:05Z</Expiration>
  </Credentials><AssumedRoleUser><Arn>arn</Arn></AssumedRoleUser></AssumeRoleResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->credentials.access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(r->credentials.secret_access_key, "s3cr&t");
  EXPECT_EQ(r->credentials.session_token, "tok+en/=");
  EXPECT_EQ(std::chrono::system_clock::to_time_t(r->expiration), 1795273445);
}

TEST(Sts, ErrorsNameTheCodeAndNeverTheSecret) {
  auto e = parse_assume_role_response(
      "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
      "allowed</Message></Error></ErrorResponse>");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "STS AssumeRole refused: AccessDenied: not allowed");
  auto missing = parse_assume_role_response(
      "<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>TOPSECRET"
      "</SecretAccessKey><SessionToken>T</SessionToken></Credentials></AssumeRoleResponse>");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message().find("TOPSECRET"), std::string::npos);
  EXPECT_FALSE(parse_assume_role_response("garbage").ok());
  EXPECT_FALSE(parse_aws_time("5866-11-21T15:04:05Z").has_value());  // past system_clock's end
  EXPECT_FALSE(parse_aws_time("2026-13-21T15:04:05Z").has_value());
  EXPECT_TRUE(parse_aws_time("2026-11-21T15:04:05.123Z").has_value());
}

TEST(Sts, RefreshesWellBeforeExpiry) {
  auto t = std::chrono::system_clock::from_time_t(1700000000);
  EXPECT_EQ(refresh_time(t, t + 1h), t + 45min);
  EXPECT_EQ(refresh_time(t, t + 20s), t + 10s);
  EXPECT_EQ(refresh_time(t, t + 12h), t + 9h);
  EXPECT_EQ(refresh_time(t, t - 1s), t);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(InstanceMetadata, ParsesTheRoleAndItsCredentials) {
  EXPECT_EQ(parse_imds_role("writer\n").value(), "writer");
  EXPECT_FALSE(parse_imds_role("").ok());
  auto c = parse_imds_credentials(
      R"({"Code":"Success","LastUpdated":"2026-11-21T14:00:00Z","Type":"AWS-HMAC",
          "AccessKeyId":"ASIAX","SecretAccessKey":"sek","Token":"tok",
          "Expiration":"2026-11-21T15:04:05Z"})");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->credentials.access_key_id, "ASIAX");
  EXPECT_EQ(c->credentials.session_token, "tok");
  EXPECT_EQ(std::chrono::system_clock::to_time_t(c->expiration), 1795273445);
  auto failed = parse_imds_credentials(R"({"Code":"AssumeRoleUnauthorizedAccess"})");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("AssumeRoleUnauthorizedAccess"), std::string::npos);
  auto partial = parse_imds_credentials(R"({"AccessKeyId":"A","SecretAccessKey":"SECRETVALUE"})");
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().message().find("SECRETVALUE"), std::string::npos);
}

}  // namespace
}  // namespace sluice

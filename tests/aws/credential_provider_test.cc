// The credential provider's paths, call by call, with answers given by the test and time passed
// in: no server, no clock.
#include "aws/credential_provider.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using SystemClock = std::chrono::system_clock;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-11-21T14:00:00Z; the answers below expire an hour later.
const SystemClock::time_point kNow = SystemClock::from_time_t(1795269600);

const char* kImdsCredentials = R"({"Code":"Success","AccessKeyId":"ASIAINSTANCE",
  "SecretAccessKey":"INSTANCESECRET","Token":"tok","Expiration":"2026-11-21T15:00:00Z"})";
const char* kAssumeRoleAnswer = R"(<AssumeRoleResponse><AssumeRoleResult><Credentials>
  <AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>ROLESECRET</SecretAccessKey>
  <SessionToken>rtok</SessionToken><Expiration>2026-11-21T15:00:00Z</Expiration>
  </Credentials></AssumeRoleResult></AssumeRoleResponse>)";
const char* kAccessDenied =
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
    "allowed</Message></Error></ErrorResponse>";

AwsCredentialSettings settings(bool key_pair, bool role) {
  AwsCredentialSettings s;
  if (key_pair) s.key_pair = AwsCredentials{"AKIDEXAMPLE", "KEYSECRET", ""};
  s.imds_endpoint = "http://127.0.0.1:9";
  if (role) {
    s.assume_role.role_arn = "arn:aws:iam::123456789012:role/writer";
    s.assume_role.session_name = role_session_name("svc 1");
  }
  s.region = "us-east-1";
  s.sts_url = "http://127.0.0.1:8/";
  s.sts_authority = "127.0.0.1:8";
  s.sts_path = "/";
  return s;
}

AwsCredentialProvider provider(bool key_pair, bool role) {
  return AwsCredentialProvider(settings(key_pair, role),
                               Backoff(milliseconds(100), seconds(60), 3));
}

AwsHttpAnswer ok(std::string body) {
  return AwsHttpAnswer{true, "", 200, std::move(body)};
}

bool has_header(const AwsHttpCall& call, std::string_view prefix) {
  for (const auto& h : call.headers) {
    if (h.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(AwsCredentialProvider, AKeyPairIsReadyAtOnceAndAsksNothing) {
  auto p = provider(true, false);
  EXPECT_TRUE(p.ready());
  EXPECT_EQ(p.credentials().access_key_id, "AKIDEXAMPLE");
  AwsCredentialProvider::Event event;
  EXPECT_FALSE(p.next_call(kNow, event).has_value());
  EXPECT_EQ(p.next_due(), SystemClock::time_point::max());
  EXPECT_FALSE(p.from_instance());
}

TEST(AwsCredentialProvider, TheInstanceRoleIsFetchedInThreeStepsAndRefreshedBeforeExpiry) {
  auto p = provider(false, false);
  EXPECT_FALSE(p.ready());
  AwsCredentialProvider::Event event;
  auto token = p.next_call(kNow, event);
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->method, "PUT");
  EXPECT_EQ(token->url, "http://127.0.0.1:9/latest/api/token");
  EXPECT_TRUE(has_header(*token, "X-aws-ec2-metadata-token-ttl-seconds: "));
  EXPECT_FALSE(p.next_call(kNow, event).has_value());  // one call at a time
  EXPECT_FALSE(p.on_answer(ok("TOKEN"), kNow).error_class.has_value());

  auto role = p.next_call(kNow, event);
  ASSERT_TRUE(role.has_value());
  EXPECT_EQ(role->method, "GET");
  EXPECT_EQ(role->url, "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/");
  EXPECT_TRUE(has_header(*role, "X-aws-ec2-metadata-token: TOKEN"));
  p.on_answer(ok("writer\n"), kNow);

  auto creds = p.next_call(kNow, event);
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->url, "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/writer");
  auto done = p.on_answer(ok(kImdsCredentials), kNow);
  EXPECT_TRUE(done.became_ready);
  EXPECT_TRUE(p.ready());
  EXPECT_EQ(p.credentials().access_key_id, "ASIAINSTANCE");
  EXPECT_EQ(p.role(), "writer");
  EXPECT_EQ(p.refreshes(), 1u);
  // Refreshed well before the hour is up, and not before it is due.
  SystemClock::time_point due = p.next_due();
  EXPECT_EQ(due, refresh_time(kNow, kNow + hours(1)));
  EXPECT_LT(due, kNow + hours(1) - std::chrono::minutes(4));
  EXPECT_FALSE(p.next_call(due - seconds(1), event).has_value());
  auto again = p.next_call(due, event);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->method, "PUT");
  EXPECT_TRUE(p.ready());  // the old credentials sign meanwhile
}

TEST(AwsCredentialProvider, NoInstanceRoleIsAConfigurationErrorRetriedWithBackoff) {
  auto p = provider(false, false);
  AwsCredentialProvider::Event event;
  (void)p.next_call(kNow, event);
  auto failed = p.on_answer(AwsHttpAnswer{true, "", 404, ""}, kNow);
  ASSERT_TRUE(failed.error_class.has_value());
  EXPECT_EQ(*failed.error_class, ErrorClass::kConfiguration);
  EXPECT_NE(failed.error.find("instance metadata at http://127.0.0.1:9 (session token): HTTP 404"),
            std::string::npos)
      << failed.error;
  EXPECT_FALSE(p.ready());
  EXPECT_GE(p.next_due(), kNow + milliseconds(200));
  EXPECT_LE(p.next_due(), kNow + milliseconds(200));  // the first backoff is under the floor
  EXPECT_TRUE(p.next_call(p.next_due(), event).has_value());
  // An unreachable service names the transport's reason.
  auto down = p.on_answer(AwsHttpAnswer{false, "Connection refused", 0, ""}, kNow);
  EXPECT_NE(down.error.find("Connection refused"), std::string::npos);
}

TEST(AwsCredentialProvider, AnAssumedRoleIsSignedWithTheKeyPairAndSortsItsErrors) {
  auto p = provider(true, true);
  EXPECT_FALSE(p.ready());
  EXPECT_TRUE(p.assumes_role());
  AwsCredentialProvider::Event event;
  auto call = p.next_call(kNow, event);
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->method, "POST");
  EXPECT_EQ(call->url, "http://127.0.0.1:8/");
  EXPECT_TRUE(has_header(*call, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
  EXPECT_TRUE(has_header(*call, "Host: 127.0.0.1:8"));
  EXPECT_NE(call->body.find("RoleSessionName=sluice-svc-1"), std::string::npos) << call->body;

  // Refused: configuration, retried at the backoff's cap. No secret in the message.
  auto denied = p.on_answer(AwsHttpAnswer{true, "", 403, kAccessDenied}, kNow);
  ASSERT_TRUE(denied.error_class.has_value());
  EXPECT_EQ(*denied.error_class, ErrorClass::kConfiguration);
  EXPECT_NE(denied.error.find("AccessDenied"), std::string::npos) << denied.error;
  EXPECT_EQ(denied.error.find("KEYSECRET"), std::string::npos);
  EXPECT_EQ(p.next_due(), kNow + seconds(60));

  // STS down: retryable.
  (void)p.next_call(kNow + seconds(60), event);
  auto down = p.on_answer(AwsHttpAnswer{true, "", 503, "<html>busy</html>"}, kNow + seconds(60));
  ASSERT_TRUE(down.error_class.has_value());
  EXPECT_EQ(*down.error_class, ErrorClass::kRetryable);

  ASSERT_TRUE(p.next_call(p.next_due(), event).has_value());
  auto assumed = p.on_answer(ok(kAssumeRoleAnswer), kNow + seconds(61));
  EXPECT_TRUE(assumed.became_ready);
  EXPECT_EQ(p.credentials().access_key_id, "ASIAROLE");
  EXPECT_EQ(p.role(), "arn:aws:iam::123456789012:role/writer");

  // The destination refused them: asked again at once.
  p.refresh(kNow + seconds(70));
  EXPECT_EQ(p.next_due(), kNow + seconds(70));
}

TEST(AwsCredentialProvider, AnAssumedRoleOnTheInstanceRoleFetchesFirstThenAssumes) {
  auto p = provider(false, true);
  AwsCredentialProvider::Event event;
  (void)p.next_call(kNow, event);
  p.on_answer(ok("TOKEN"), kNow);
  (void)p.next_call(kNow, event);
  p.on_answer(ok("writer"), kNow);
  (void)p.next_call(kNow, event);
  auto base = p.on_answer(ok(kImdsCredentials), kNow);
  EXPECT_FALSE(base.became_ready);  // the role's credentials sign, not the instance's
  auto assume = p.next_call(kNow, event);
  ASSERT_TRUE(assume.has_value());
  EXPECT_TRUE(has_header(*assume, "Authorization: AWS4-HMAC-SHA256 Credential=ASIAINSTANCE/"));
  EXPECT_TRUE(has_header(*assume, "X-Amz-Security-Token: tok"));
  EXPECT_TRUE(p.on_answer(ok(kAssumeRoleAnswer), kNow).became_ready);
  EXPECT_EQ(p.credentials().access_key_id, "ASIAROLE");
}

TEST(AwsCredentialProvider, SessionNamesKeepToTheAllowedCharacters) {
  EXPECT_EQ(role_session_name("abc/def ghi"), "sluice-abc-def-ghi");
  EXPECT_EQ(role_session_name(std::string(100, 'x')).size(), 64u);
}

}  // namespace
}  // namespace sluice

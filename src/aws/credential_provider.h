#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/sts.h"
#include "core/backoff.h"
#include "core/error_code.h"

namespace sluice {

// An HTTP exchange the provider needs, in its own small terms, so that aws/ does not depend on
// an HTTP client: the caller sends it with whatever client it has and hands back the answer.
struct AwsHttpCall {
  std::string method;
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{2000};
  // A call to the instance metadata service, whose address comes from sluice's environment,
  // not from an endpoint: the destination policy, which denies it by default, lets it through.
  bool instance_metadata = false;
};

struct AwsHttpAnswer {
  bool transport_ok = true;
  std::string transport_error;  // when !transport_ok
  long status = 0;
  std::string body;
};

// Where the credentials come from (what the endpoint's fields and sluice's environment say).
struct AwsCredentialSettings {
  // The endpoint's key pair or the environment's (AWS_ACCESS_KEY_ID...); nullopt: the instance
  // role's, from the instance metadata service (IMDSv2) at imds_endpoint.
  std::optional<AwsCredentials> key_pair;
  std::string imds_endpoint;
  // With a role_arn, requests are signed with the temporary credentials STS AssumeRole gives for
  // the key pair or instance role credentials.
  AssumeRoleParams assume_role;
  std::string region;
  std::string sts_url;        // https://sts.REGION.amazonaws.com, or a test's
  std::string sts_authority;  // its host[:port], for the Host header
  std::string sts_path;       // its path, "/" by default
  std::chrono::milliseconds sts_timeout{30000};
};

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN as the AWS CLI does;
// nullopt when AWS_ACCESS_KEY_ID is not set.
[[nodiscard]] std::optional<AwsCredentials> environment_credentials();

// A RoleSessionName ([\w+=,.@-]{2,64}) naming sluice and the service.
[[nodiscard]] std::string role_session_name(std::string_view service_id);

// The credentials a sink signs with, kept fresh: a key pair as given, the instance role's
// (refreshed before they expire), and on top of either an assumed role's (refreshed the same
// way). It does no I/O and reads no clock: next_call() says what to ask and when, on_answer()
// takes the answer, and time is passed in, so every path is testable table by table. One call at
// a time. Single-threaded.
class AwsCredentialProvider {
 public:
  using SystemClock = std::chrono::system_clock;

  // What an answer (or a call that could not be built) changed.
  struct Event {
    bool became_ready = false;  // signing credentials are available for the first time
    std::optional<ErrorClass> error_class;
    std::string error;  // names the service asked and why; never a secret
  };

  // `backoff` spaces out attempts after failures (its cap for configuration errors).
  AwsCredentialProvider(AwsCredentialSettings settings, Backoff backoff);

  // The call to send now, if one is due and none is in flight. An AssumeRole call that cannot be
  // signed is reported in `event`.
  [[nodiscard]] std::optional<AwsHttpCall> next_call(SystemClock::time_point now, Event& event);
  // The answer to the call next_call() gave.
  Event on_answer(const AwsHttpAnswer& answer, SystemClock::time_point now);
  // The destination refused the credentials (expired, revoked): ask again at once.
  void refresh(SystemClock::time_point now);

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const AwsCredentials& credentials() const { return credentials_; }
  // When next_call() will next have something (max when nothing is planned).
  [[nodiscard]] SystemClock::time_point next_due() const;

  // For /status: where the credentials come from.
  [[nodiscard]] bool from_instance() const { return !settings_.key_pair.has_value(); }
  [[nodiscard]] bool assumes_role() const { return !settings_.assume_role.role_arn.empty(); }
  [[nodiscard]] const std::string& role() const {
    return assumes_role() ? settings_.assume_role.role_arn : instance_role_;
  }
  [[nodiscard]] uint64_t refreshes() const { return refreshes_; }
  [[nodiscard]] SystemClock::time_point expires_at() const { return expires_at_; }

 private:
  enum class Step : uint8_t { kIdle, kImdsToken, kImdsRole, kImdsCredentials, kAssumeRole };

  [[nodiscard]] AwsHttpCall imds_call(std::string method, std::string path) const;
  [[nodiscard]] std::optional<AwsHttpCall> assume_role_call(SystemClock::time_point now,
                                                            Event& event);
  Event on_imds(const AwsHttpAnswer& answer, SystemClock::time_point now);
  Event on_assume_role(const AwsHttpAnswer& answer, SystemClock::time_point now);
  Event instance_failed(std::string message, SystemClock::time_point now);
  Event assume_failed(std::string message, ErrorClass error_class, SystemClock::time_point now);
  [[nodiscard]] std::chrono::milliseconds delay(ErrorClass error_class);
  Event use(const AwsCredentials& credentials, SystemClock::time_point expires);

  AwsCredentialSettings settings_;
  Backoff backoff_;
  Step step_ = Step::kIdle;  // the call in flight, or the next step of the instance chain
  bool in_flight_ = false;

  AwsCredentials base_;  // the key pair or the instance role's
  bool base_ready_ = false;
  SystemClock::time_point base_due_ = SystemClock::time_point::max();  // instance: next fetch
  std::string imds_token_;
  std::string instance_role_;
  SystemClock::time_point issued_;  // when the call in flight was sent

  AwsCredentials credentials_;  // what requests are signed with
  bool ready_ = false;
  SystemClock::time_point role_due_ = SystemClock::time_point::max();  // next AssumeRole
  SystemClock::time_point expires_at_;
  uint64_t refreshes_ = 0;
};

}  // namespace sluice

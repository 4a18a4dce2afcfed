#include "aws/credential_provider.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "aws/instance_metadata.h"
#include "aws/sigv4.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;

// The instance metadata service is on the instance itself: it answers at once or not at all.
constexpr milliseconds kImdsTimeout{2000};
// Never retry faster than this, whatever the backoff drew.
constexpr milliseconds kMinRetry{200};

}  // namespace

std::optional<AwsCredentials> environment_credentials() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  if (env("AWS_ACCESS_KEY_ID").empty()) return std::nullopt;
  return AwsCredentials{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                        env("AWS_SESSION_TOKEN")};
}

std::string role_session_name(std::string_view service_id) {
  std::string out = "sluice-";
  for (char c : service_id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    out += ok ? c : '-';
  }
  return out.substr(0, 64);
}

AwsCredentialProvider::AwsCredentialProvider(AwsCredentialSettings settings, Backoff backoff)
    : settings_(std::move(settings)), backoff_(std::move(backoff)) {
  if (settings_.key_pair) {
    base_ = *settings_.key_pair;
    base_ready_ = true;
    if (assumes_role()) {
      role_due_ = SystemClock::time_point::min();
    } else {
      credentials_ = base_;
      ready_ = true;
    }
  } else {
    base_due_ = SystemClock::time_point::min();
  }
}

AwsCredentialProvider::SystemClock::time_point AwsCredentialProvider::next_due() const {
  if (in_flight_) return SystemClock::time_point::max();
  if (step_ != Step::kIdle) return SystemClock::time_point::min();  // the next step of a chain
  SystemClock::time_point due = base_due_;
  if (assumes_role() && base_ready_) due = std::min(due, role_due_);
  return due;
}

void AwsCredentialProvider::refresh(SystemClock::time_point now) {
  if (assumes_role()) {
    role_due_ = std::min(role_due_, now);
  } else if (from_instance()) {
    base_due_ = std::min(base_due_, now);
  }
}

std::optional<AwsHttpCall> AwsCredentialProvider::next_call(SystemClock::time_point now,
                                                            Event& event) {
  if (in_flight_) return std::nullopt;
  if (step_ == Step::kImdsRole) {
    in_flight_ = true;
    return imds_call("GET", std::string(kImdsRolePath));
  }
  if (step_ == Step::kImdsCredentials) {
    in_flight_ = true;
    return imds_call("GET", std::string(kImdsRolePath) + instance_role_);
  }
  if (from_instance() && now >= base_due_) {
    in_flight_ = true;
    step_ = Step::kImdsToken;
    issued_ = now;
    AwsHttpCall call = imds_call("PUT", std::string(kImdsTokenPath));
    call.headers.push_back("X-aws-ec2-metadata-token-ttl-seconds: 21600");
    return call;
  }
  if (assumes_role() && base_ready_ && now >= role_due_) return assume_role_call(now, event);
  return std::nullopt;
}

AwsHttpCall AwsCredentialProvider::imds_call(std::string method, std::string path) const {
  AwsHttpCall call;
  call.method = std::move(method);
  call.url = settings_.imds_endpoint + path;
  call.timeout = kImdsTimeout;
  call.instance_metadata = true;
  if (!imds_token_.empty() && call.method == "GET") {
    call.headers.push_back("X-aws-ec2-metadata-token: " + imds_token_);
  }
  return call;
}

std::optional<AwsHttpCall> AwsCredentialProvider::assume_role_call(SystemClock::time_point now,
                                                                   Event& event) {
  AwsHttpCall call;
  call.method = "POST";
  call.url = settings_.sts_url;
  call.body = assume_role_body(settings_.assume_role);
  call.timeout = settings_.sts_timeout;
  std::vector<HttpHeader> headers = {
      {"Host", settings_.sts_authority},
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  Sigv4Config config;
  config.region = settings_.region;
  config.service = "sts";
  config.time = now;
  Sigv4Request req;
  req.method = "POST";
  req.path = settings_.sts_path;
  req.payload = call.body;
  auto signature = sigv4_sign_headers(req, headers, config, base_);
  if (!signature) {
    event = assume_failed(signature.error().message(), ErrorClass::kConfiguration, now);
    return std::nullopt;
  }
  for (const HttpHeader& h : headers) call.headers.push_back(h.name + ": " + h.value);
  step_ = Step::kAssumeRole;
  in_flight_ = true;
  issued_ = now;
  return call;
}

AwsCredentialProvider::Event AwsCredentialProvider::on_answer(const AwsHttpAnswer& answer,
                                                              SystemClock::time_point now) {
  if (!in_flight_) return {};
  in_flight_ = false;
  switch (step_) {
    case Step::kIdle:
      return {};
    case Step::kAssumeRole:
      return on_assume_role(answer, now);
    case Step::kImdsToken:
    case Step::kImdsRole:
    case Step::kImdsCredentials:
      return on_imds(answer, now);
  }
  return {};
}

// IMDSv2: a session token, the role's name, then its credentials. Each answer arms the next
// step; the caller asks next_call() again at once.
AwsCredentialProvider::Event AwsCredentialProvider::on_imds(const AwsHttpAnswer& a,
                                                            SystemClock::time_point now) {
  static constexpr const char* kWhat[] = {"", "session token", "role name", "credentials"};
  std::string where =
      fmt::format("instance metadata at {} ({})", settings_.imds_endpoint, kWhat[size_t(step_)]);
  if (!a.transport_ok || a.status != 200) {
    return instance_failed(
        fmt::format("{}: {}; no access_key/secret_key is set and AWS_ACCESS_KEY_ID is not in "
                    "sluice's environment, so the instance role's credentials are needed",
                    where, a.transport_ok ? fmt::format("HTTP {}", a.status) : a.transport_error),
        now);
  }
  if (step_ == Step::kImdsToken) {
    imds_token_ = a.body;
    step_ = Step::kImdsRole;
    return {};
  }
  if (step_ == Step::kImdsRole) {
    auto role = parse_imds_role(a.body);
    if (!role) return instance_failed(where + ": " + role.error().message(), now);
    instance_role_ = *role;
    step_ = Step::kImdsCredentials;
    return {};
  }
  auto creds = parse_imds_credentials(a.body);
  if (!creds) return instance_failed(where + ": " + creds.error().message(), now);
  step_ = Step::kIdle;
  base_ = std::move(creds->credentials);
  base_ready_ = true;
  // Never loop on credentials that are (by our clock) already near expiry.
  base_due_ = std::max(refresh_time(issued_, creds->expiration), now + std::chrono::seconds(1));
  backoff_.reset();
  if (assumes_role()) {
    ++refreshes_;
    if (!ready_) role_due_ = std::min(role_due_, now);
    return {};
  }
  return use(base_, creds->expiration);
}

AwsCredentialProvider::Event AwsCredentialProvider::on_assume_role(const AwsHttpAnswer& a,
                                                                   SystemClock::time_point now) {
  std::string where =
      fmt::format("STS AssumeRole of {} at {}", settings_.assume_role.role_arn, settings_.sts_url);
  if (!a.transport_ok) {
    return assume_failed(where + ": " + a.transport_error, ErrorClass::kRetryable, now);
  }
  auto creds = parse_assume_role_response(a.body);
  if (!creds) {
    ErrorClass cls = a.status >= 500 ? ErrorClass::kRetryable : ErrorClass::kConfiguration;
    return assume_failed(fmt::format("{}: HTTP {}: {}", where, a.status, creds.error().message()),
                         cls, now);
  }
  step_ = Step::kIdle;
  role_due_ = std::max(refresh_time(issued_, creds->expiration), now + std::chrono::seconds(1));
  backoff_.reset();
  return use(creds->credentials, creds->expiration);
}

AwsCredentialProvider::Event AwsCredentialProvider::use(const AwsCredentials& credentials,
                                                        SystemClock::time_point expires) {
  credentials_ = credentials;
  expires_at_ = expires;
  ++refreshes_;
  Event event;
  event.became_ready = !ready_;
  ready_ = true;
  return event;
}

std::chrono::milliseconds AwsCredentialProvider::delay(ErrorClass error_class) {
  milliseconds d = error_class == ErrorClass::kConfiguration ? backoff_.slow() : backoff_.next();
  return std::max(d, kMinRetry);
}

AwsCredentialProvider::Event AwsCredentialProvider::instance_failed(std::string message,
                                                                    SystemClock::time_point now) {
  step_ = Step::kIdle;
  base_due_ = now + delay(ErrorClass::kRetryable);
  Event event;
  event.error_class = ErrorClass::kConfiguration;
  event.error = std::move(message);
  return event;
}

AwsCredentialProvider::Event AwsCredentialProvider::assume_failed(std::string message,
                                                                  ErrorClass error_class,
                                                                  SystemClock::time_point now) {
  step_ = Step::kIdle;
  role_due_ = now + delay(error_class);
  Event event;
  event.error_class = error_class;
  event.error = std::move(message);
  return event;
}

}  // namespace sluice

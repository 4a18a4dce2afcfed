#include "aws/instance_metadata.h"

#include <cstdlib>

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice {

std::string imds_endpoint() {
  const char* env = std::getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  std::string e = env != nullptr && *env != '\0' ? env : "http://169.254.169.254";
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

Result<std::string> parse_imds_role(std::string_view body) {
  size_t end = body.find_first_of("\r\n");
  std::string_view role = body.substr(0, end);
  while (!role.empty() && role.back() == ' ') role.remove_suffix(1);
  if (role.empty())
    return Error("the instance metadata service lists no IAM role for this instance");
  return std::string(role);
}

Result<TemporaryCredentials> parse_imds_credentials(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get(doc) || doc.get(root)) {
    return Error("the instance role's credentials are not a JSON object");
  }
  auto text = [&](std::string_view key) {
    std::string_view v;
    return root.at_key(key).get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  std::string code = text("Code");
  if (!code.empty() && code != "Success") {
    return Error(fmt::format("the instance metadata service answered Code \"{}\"", code));
  }
  TemporaryCredentials out;
  out.credentials = {text("AccessKeyId"), text("SecretAccessKey"), text("Token")};
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
    return Error("the instance role's credentials lack AccessKeyId or SecretAccessKey");
  }
  auto when = parse_aws_time(text("Expiration"));
  if (!when) {
    return Error(
        fmt::format("the instance role's credentials for {}: Expiration is missing or "
                    "malformed",
                    out.credentials.access_key_id));
  }
  out.expiration = *when;
  return out;
}

}  // namespace sluice

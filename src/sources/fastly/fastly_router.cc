#include "sources/fastly/fastly_router.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "sinks/http/challenge.h"
#include "sources/http/json_answer.h"

namespace sluice {
namespace {

// The header's value is a secret: compared in time that does not depend on where it differs.
bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The challenge's answer: one line per accepted service id, "*" as it is.
std::string challenge_body(const std::vector<std::string>& service_ids) {
  std::string body;
  for (const std::string& id : service_ids) {
    body += id == "*" ? std::string("*") : challenge_token(id);
    body += '\n';
  }
  return body;
}

}  // namespace

FastlyRouter::FastlyRouter(const SourceConfig& config)
    : config_(config), challenge_(challenge_body(config.fastly.service_ids)) {}

IngestRoute FastlyRouter::route(const HttpRequest& request) const {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path == kChallengePath) {
    if (request.method != "GET") {
      HttpResponse r = json_error_answer(
          405, fmt::format("{} takes GET, not {}", kChallengePath, request.method));
      r.headers.emplace_back("Allow", "GET");
      return {std::move(r), nullptr};
    }
    HttpResponse r;
    r.status = 200;
    r.content_type = "text/plain";
    r.body = challenge_;
    return {std::move(r), nullptr};
  }
  if (request.method != "POST" && request.method != "PUT") {
    HttpResponse r = json_error_answer(
        405, fmt::format("a Fastly log batch is sent with POST or PUT, not {}", request.method));
    r.headers.emplace_back("Allow", "POST, PUT");
    return {std::move(r), nullptr};
  }
  const std::string& header_name = config_.fastly.header_name;
  if (!header_name.empty() &&
      !same_secret(request.header(header_name), config_.fastly.header_value)) {
    return {json_error_answer(401, fmt::format("the {} header is missing or wrong (set the "
                                               "Fastly endpoint's header_name and header_value)",
                                               header_name)),
            nullptr};
  }
  HttpResponse ingest;
  ingest.status = 0;
  return {std::move(ingest), [this](IngestSession& session, std::string_view body) {
            return ingest_fastly_batch(session, config_, body);
          }};
}

}  // namespace sluice

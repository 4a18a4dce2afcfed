#include "sources/http/ingest_api_router.h"

#include <cctype>
#include <string>

#include <fmt/format.h>

#include "sources/http/json_answer.h"

namespace sluice {
namespace {

// A web page can make a browser POST across sites without asking first only with no
// Content-Type or with text/plain, a form type or multipart (the CORS "simple" requests);
// anything else needs a preflight, which sluice never grants. So requiring a JSON media type
// keeps pages out of ingest, and says what the body is.
bool is_json_media_type(std::string_view value) {
  std::string type;
  for (char c : value.substr(0, value.find(';'))) {
    if (c != ' ' && c != '\t') type.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::string_view kTypes[] = {
      "application/json",    "application/x-ndjson",  "application/ndjson",     "application/jsonl",
      "application/x-jsonl", "application/jsonlines", "application/x-jsonlines"};
  for (std::string_view t : kTypes) {
    if (type == t) return true;
  }
  return type.size() > 5 && type.rfind("application/", 0) == 0 &&
         std::string_view(type).substr(type.size() - 5) == "+json";
}

}  // namespace

IngestRoute IngestApiRouter::route(const HttpRequest& request) const {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  IngestKind kind;
  std::string service_id;
  constexpr std::string_view kPrefix = "/ingest/", kRequests = "/requests";
  if (path == "/ingest/logs") {
    kind = IngestKind::kLogStatements;
  } else if (path.substr(0, kPrefix.size()) == kPrefix &&
             path.size() > kPrefix.size() + kRequests.size() &&
             path.substr(path.size() - kRequests.size()) == kRequests) {
    kind = IngestKind::kRecords;
    service_id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kRequests.size());
    if (service_id.find('/') != std::string::npos) {
      return {json_error_answer(404, fmt::format("no such path: {}", path)), nullptr};
    }
  } else {
    return {json_error_answer(404, fmt::format("no such path: {} (use POST "
                                               "/ingest/{{service_id}}/requests or POST "
                                               "/ingest/logs)",
                                               path)),
            nullptr};
  }
  if (request.method != "POST") {
    HttpResponse r =
        json_error_answer(405, fmt::format("{} takes POST, not {}", path, request.method));
    r.headers.emplace_back("Allow", "POST");
    return {std::move(r), nullptr};
  }
  if (std::string_view type = request.header("Content-Type"); !is_json_media_type(type)) {
    return {json_error_answer(
                415, fmt::format("{}: Content-Type must be application/x-ndjson or "
                                 "application/json (plain log lines too), not {}; other types "
                                 "are refused so that no web page can post into sluice",
                                 path, type.empty() ? "none" : fmt::format("\"{}\"", type))),
            nullptr};
  }
  if (kind == IngestKind::kRecords && routes_.current()->service(service_id) == nullptr) {
    return {json_error_answer(404, fmt::format("unknown service \"{}\"", service_id)), nullptr};
  }
  HttpResponse ingest;
  ingest.status = 0;
  return {std::move(ingest), [kind, service_id = std::move(service_id)](IngestSession& session,
                                                                        std::string_view body) {
            return ingest_body(session, kind, service_id, body);
          }};
}

}  // namespace sluice

#include "sources/http/ingest_api_router.h"

#include <string>

#include <fmt/format.h>

#include "sources/http/json_answer.h"

namespace sluice {

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

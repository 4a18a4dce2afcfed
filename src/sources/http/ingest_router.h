#pragma once

#include <functional>
#include <string_view>

#include "net/http_server.h"
#include "route/ingest_session.h"
#include "sources/http/ingest_body.h"

namespace sluice {

// What an HTTP ingest source does with one request: answer it at once (a challenge, an error),
// or ingest its body.
struct IngestRoute {
  HttpResponse answer;  // status 0: ingest the body with `ingest`
  std::function<IngestOutcome(IngestSession&, std::string_view body)> ingest;
};

// The paths, methods and checks of one kind of HTTP ingest source (sluice's own /ingest API,
// the Fastly receiver). HttpSource does the rest: decoding, queueing, durability, answering.
class IngestRouter {
 public:
  virtual ~IngestRouter() = default;
  [[nodiscard]] virtual IngestRoute route(const HttpRequest& request) const = 0;
};

}  // namespace sluice

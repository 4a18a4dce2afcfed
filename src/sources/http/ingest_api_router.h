#pragma once

#include "sources/http/ingest_router.h"
#include "sources/source.h"

namespace sluice {

// sluice's own ingest API:
//   POST /ingest/{service_id}/requests   NDJSON request records for that service
//   POST /ingest/logs                    log statements, one a line (plain, or JSON strings)
// Unknown service or path: 404; another method: 405.
class IngestApiRouter final : public IngestRouter {
 public:
  explicit IngestApiRouter(const ActiveRoutes& routes) : routes_(routes) {}
  [[nodiscard]] IngestRoute route(const HttpRequest& request) const override;

 private:
  const ActiveRoutes& routes_;
};

}  // namespace sluice

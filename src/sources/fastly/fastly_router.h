#pragma once

#include <string>

#include "config/config.h"
#include "sources/fastly/fastly_batch.h"
#include "sources/http/ingest_router.h"

namespace sluice {

// A receiver for Fastly's HTTPS logging endpoint (source type "fastly"):
//   GET /.well-known/fastly/logging/challenge  200 text/plain: hex(sha256(id)) of each accepted
//                                              Fastly service id, one a line ("*" for any)
//   POST or PUT to any other path              a batch (see ingest_fastly_batch)
// With header_name set, a batch without that header and value is answered 401.
class FastlyRouter final : public IngestRouter {
 public:
  explicit FastlyRouter(const SourceConfig& config);
  [[nodiscard]] IngestRoute route(const HttpRequest& request) const override;

 private:
  SourceConfig config_;    // a copy: the batch handler reads it on the ingest loops
  std::string challenge_;  // the challenge's answer, built once
};

}  // namespace sluice

#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "net/http_server.h"
#include "sources/http/ingest_router.h"
#include "sources/source.h"

namespace sluice {

class RateLimitedLog;
namespace http_detail {
struct SessionPool;
}

// HTTP ingest: the router (IngestApiRouter for sluice's /ingest API, FastlyRouter for Fastly's
// HTTPS logging) says what a request is; a body is ingested and answered
// 202 {"accepted":N,"rejected":M,"errors":[{"line":k,"reason":"..."}]}, or 400 with that body
// when every line was rejected. Body over the limit: 413.
// Bodies may be compressed (Content-Encoding: gzip or zstd); the limit applies to the decoded
// body (413), a corrupt stream is 400 and another coding 415.
//
// Backpressure (when_full = block): a request whose lines cannot all be pushed into a full
// queue is still answered 202, because those lines are in sluice's hands: its session is
// parked, holding them, and a timer retries the flush until they are queued. While any session
// is parked, new requests are answered 503 with Retry-After: 1 before their body is looked at,
// so nothing of theirs is accepted and a client's retry cannot duplicate lines. What is held
// beyond the queue's bound is at most one request per ingest thread.
//
// Durability: with disk queues, 202 means the lines are in the queue at its fsync level (with
// fsync = always, after the fsync; the io thread serves other connections meanwhile), and a
// request whose lines wait for a full disk queue is answered only once they are in it.
class HttpSource final : public Source {
 public:
  // `ctx.config`, `ctx.routes`, `ctx.counters` and `ctx.io` must outlive the source.
  HttpSource(const SourceContext& ctx, std::unique_ptr<IngestRouter> router);
  ~HttpSource() override;

  [[nodiscard]] Status start() override;
  void stop() override;
  [[nodiscard]] std::string describe() const override;

  [[nodiscard]] uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  void handle(HttpRequest& request, HttpServer::Responder respond);
  [[nodiscard]] std::string_view kind_name() const;

  SourceContext ctx_;
  std::unique_ptr<IngestRouter> router_;
  std::shared_ptr<http_detail::SessionPool> pool_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<RateLimitedLog> log_;
  std::atomic<bool> stopped_{false};
};

}  // namespace sluice

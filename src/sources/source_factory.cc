#include <fmt/format.h>

#include "sources/fastly/fastly_router.h"
#include "sources/http/http_source.h"
#include "sources/http/ingest_api_router.h"
#include "sources/source.h"
#include "sources/stdin/stdin_source.h"
#include "sources/syslog/syslog_source.h"

namespace sluice {

Result<std::unique_ptr<Source>> make_source(SourceContext ctx) {
  switch (ctx.config.type) {
    case SourceType::kSyslog:
      return std::unique_ptr<Source>(std::make_unique<SyslogSource>(ctx));
    case SourceType::kHttp:
      return std::unique_ptr<Source>(
          std::make_unique<HttpSource>(ctx, std::make_unique<IngestApiRouter>(ctx.routes)));
    case SourceType::kFastly:
      return std::unique_ptr<Source>(
          std::make_unique<HttpSource>(ctx, std::make_unique<FastlyRouter>(ctx.config)));
    case SourceType::kStdin:
      return std::unique_ptr<Source>(std::make_unique<StdinSource>(ctx));
  }
  return Error(fmt::format("source type {} is not supported", int(ctx.config.type)));
}

}  // namespace sluice

#include "route/router.h"

#include <fmt/format.h>

#include "queue/disk/disk_queue.h"
#include "queue/disk/queue_dir.h"

namespace sluice {

EndpointRuntime* ServiceRuntime::endpoint(std::string_view name) const {
  for (EndpointRuntime* e : endpoints) {
    if (e->name() == name) return e;
  }
  return nullptr;
}

Result<std::unique_ptr<Router>> Router::build(const Config& config) {
  auto router = std::make_unique<Router>();
  for (const ServiceConfig& svc : config.services) {
    ServiceRuntime rt;
    rt.id = svc.id;
    rt.max_line_bytes = svc.max_line_bytes;
    for (const EndpointConfig& ec : svc.endpoints) {
      auto e = std::make_unique<EndpointRuntime>();
      e->service_id = svc.id;
      e->index = router->endpoints_.size();
      e->config = &ec;
      e->max_line_bytes = svc.max_line_bytes;
      auto format = LogFormat::compile(ec.format, ec.format_version);
      if (!format) {
        return Error(fmt::format("service \"{}\" endpoint \"{}\" field \"format\": {}", svc.id,
                                 ec.name, format.error().message()));
      }
      e->format = std::make_shared<const LogFormat>(std::move(*format));
      if (ec.settings && !ec.settings->line_key_format().empty()) {
        auto key = LogFormat::compile(ec.settings->line_key_format(), ec.format_version);
        if (!key) {
          return Error(fmt::format("service \"{}\" endpoint \"{}\" key format: {}", svc.id, ec.name,
                                   key.error().message()));
        }
        e->key_format = std::make_shared<const LogFormat>(std::move(*key));
      }
      if (!ec.response_condition.empty()) {
        const ConditionConfig* cc = svc.condition(ec.response_condition);
        if (cc == nullptr) {
          return Error(fmt::format("service \"{}\" endpoint \"{}\": no condition \"{}\"", svc.id,
                                   ec.name, ec.response_condition));
        }
        auto cond = Condition::compile(cc->statement);
        if (!cond) {
          return Error(fmt::format("service \"{}\" condition \"{}\": {}", svc.id, cc->name,
                                   cond.error().message()));
        }
        e->condition = std::make_shared<const Condition>(std::move(*cond));
      }
      if (config.storage.dir.empty()) {
        e->queue = make_memory_queue(ec.queue_max_bytes, ec.when_full);
      } else {
        DiskQueueOptions o;
        o.dir = endpoint_queue_dir(config.storage.dir, svc.id, ec.name);
        o.max_bytes = ec.max_bytes;
        o.when_full = ec.when_full;
        o.fsync = ec.fsync;
        o.fsync_interval = std::chrono::milliseconds(
            std::max<int64_t>(1, int64_t(config.storage.fsync_interval_seconds * 1000)));
        o.segment_bytes = config.storage.segment_bytes;
        o.keep_acked = ec.keep_acked;
        auto q = open_disk_queue(std::move(o));
        if (!q) {
          return Error(fmt::format("service \"{}\" endpoint \"{}\": disk queue: {}", svc.id,
                                   ec.name, q.error().message()));
        }
        e->queue = std::move(*q);
      }
      rt.endpoints.push_back(e.get());
      if (!ec.placement_none) rt.automatic.push_back(e.get());
      router->endpoints_.push_back(std::move(e));
    }
    router->services_.push_back(std::move(rt));
  }
  return router;
}

const ServiceRuntime* Router::service(std::string_view id) const {
  for (const ServiceRuntime& s : services_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void Router::count_unknown(std::string_view service_id, std::string_view endpoint) {
  std::lock_guard lock(unknown_mu_);
  // Bound the map: a client spraying random names must not grow memory without limit.
  auto key =
      std::make_pair(std::string(service_id.substr(0, 128)), std::string(endpoint.substr(0, 128)));
  auto it = unknown_.find(key);
  if (it != unknown_.end()) {
    ++it->second;
  } else if (unknown_.size() < 10000) {
    unknown_.emplace(std::move(key), 1);
  } else {
    ++unknown_[{"(other)", "(other)"}];
  }
}

std::map<std::pair<std::string, std::string>, uint64_t> Router::unknown_counts() const {
  std::lock_guard lock(unknown_mu_);
  return unknown_;
}

}  // namespace sluice

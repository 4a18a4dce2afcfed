#pragma once

#include <memory>
#include <string>
#include <vector>

#include "control/host_check.h"
#include "control/reload_log.h"
#include "core/source_counters.h"
#include "net/http_server.h"
#include "topology/topology.h"

namespace sluice {

class JsonWriter;

// A source as the API shows it.
struct SourceInfo {
  std::string name;  // "syslog tcp 127.0.0.1:5140"
  const SourceCounters* counters;
};

// The operator's view of a running engine: GET /metrics (Prometheus text), GET /status (JSON
// per endpoint), GET /errors (the last hour of delivery errors per endpoint), GET /health. HEAD
// answers each as GET does, without the body. Only requests whose Host `hosts` allows are
// answered (DNS rebinding: control/host_check.h); the rest get 421.
class Api {
 public:
  // `body_budget` (may be null) must outlive the Api: /metrics shows what it holds.
  Api(const Topology& topology, const ReloadLog& reloads, std::vector<SourceInfo> sources,
      HostCheck hosts, const BodyBudget* body_budget = nullptr)
      : topology_(topology),
        reloads_(reloads),
        sources_(std::move(sources)),
        hosts_(std::move(hosts)),
        body_budget_(body_budget) {}

  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;
  [[nodiscard]] std::string metrics() const;
  [[nodiscard]] std::string status() const;
  [[nodiscard]] std::string errors(std::string_view endpoint_filter) const;

 private:
  // "config": the active generation, when it was activated, and the last reload's outcome.
  void write_config_status(JsonWriter& w) const;

  const Topology& topology_;
  const ReloadLog& reloads_;
  std::vector<SourceInfo> sources_;
  HostCheck hosts_;
  const BodyBudget* body_budget_;
};

}  // namespace sluice

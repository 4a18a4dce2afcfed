#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "format/condition.h"
#include "format/log_format.h"

namespace sluice {

// What one configuration version decides about an endpoint (DESIGN "Configuration lifetime"):
// compiled format, key format and condition, placement, line rules and the type's settings.
// Immutable once built, and owned (shared) by the routing tables that use it, never borrowed
// from a Config, so a version can be dropped while batches routed by it are still in flight.
struct EndpointPlan {
  std::string service_id;
  std::shared_ptr<const EndpointConfig> config;  // name, type, message_type, type settings
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::shared_ptr<const LogFormat> format;
  // Rendered beside the line and queued with it as its key (queue/line_key.h); nullptr when the
  // endpoint type does not route by key.
  std::shared_ptr<const LogFormat> key_format;
  std::shared_ptr<const Condition> condition;  // nullptr: every record
  bool automatic = true;                       // placement is not "none"

  [[nodiscard]] const std::string& name() const { return config->name; }
};

// Compiles the plan of `endpoint` in `service`. The error names the service, endpoint and field.
[[nodiscard]] Result<std::shared_ptr<const EndpointPlan>> compile_endpoint_plan(
    const ServiceConfig& service, const EndpointConfig& endpoint);

}  // namespace sluice

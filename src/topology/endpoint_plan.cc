#include "topology/endpoint_plan.h"

#include <fmt/format.h>

namespace sluice {

Result<std::shared_ptr<const EndpointPlan>> compile_endpoint_plan(const ServiceConfig& svc,
                                                                  const EndpointConfig& ec) {
  auto plan = std::make_shared<EndpointPlan>();
  plan->service_id = svc.id;
  plan->config = std::make_shared<const EndpointConfig>(ec);
  plan->max_line_bytes = svc.max_line_bytes;
  plan->automatic = !ec.placement_none;
  auto format = LogFormat::compile(ec.format, ec.format_version);
  if (!format) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("service \"{}\" endpoint \"{}\" field \"format\": {}", svc.id, ec.name,
                             format.error().message()));
  }
  plan->format = std::make_shared<const LogFormat>(std::move(*format));
  if (ec.settings && !ec.settings->line_key_format().empty()) {
    auto key = LogFormat::compile(ec.settings->line_key_format(), ec.format_version);
    if (!key) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("service \"{}\" endpoint \"{}\" key format: {}", svc.id, ec.name,
                               key.error().message()));
    }
    plan->key_format = std::make_shared<const LogFormat>(std::move(*key));
  }
  if (!ec.response_condition.empty()) {
    const ConditionConfig* cc = svc.condition(ec.response_condition);
    if (cc == nullptr) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("service \"{}\" endpoint \"{}\": no condition \"{}\"", svc.id,
                               ec.name, ec.response_condition));
    }
    auto cond = Condition::compile(cc->statement);
    if (!cond) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("service \"{}\" condition \"{}\": {}", svc.id, cc->name,
                               cond.error().message()));
    }
    plan->condition = std::make_shared<const Condition>(std::move(*cond));
  }
  return std::shared_ptr<const EndpointPlan>(std::move(plan));
}

}  // namespace sluice

#include "topology/routing_table.h"

namespace sluice {

void UnknownEndpoints::count(std::string_view service_id, std::string_view endpoint) {
  std::lock_guard lock(mu_);
  // Bound the map: a client spraying random names must not grow memory without limit.
  auto key =
      std::make_pair(std::string(service_id.substr(0, 128)), std::string(endpoint.substr(0, 128)));
  auto it = counts_.find(key);
  if (it != counts_.end()) {
    ++it->second;
  } else if (counts_.size() < 10000) {
    counts_.emplace(std::move(key), 1);
  } else {
    ++counts_[{"(other)", "(other)"}];
  }
}

std::map<std::pair<std::string, std::string>, uint64_t> UnknownEndpoints::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void RoutingTable::add_service(const std::string& id, size_t max_line_bytes) {
  auto [it, inserted] = services_.try_emplace(id);
  it->second.id = id;
  it->second.max_line_bytes = max_line_bytes;
}

void RoutingTable::add(std::shared_ptr<const EndpointPlan> plan,
                       std::shared_ptr<EndpointChannel> channel) {
  auto route = std::make_unique<Route>();
  route->plan = plan.get();
  route->channel = channel.get();
  route->slot = uint32_t(routes_.size());
  auto [it, inserted] = services_.try_emplace(plan->service_id);
  ServiceRoutes& svc = it->second;
  if (inserted) add_service(plan->service_id, plan->max_line_bytes);
  svc.by_name.emplace(plan->name(), route.get());
  svc.all.push_back(route.get());
  if (plan->automatic) svc.automatic.push_back(route.get());
  routes_.push_back(std::move(route));
  plans_.push_back(std::move(plan));
  channels_.push_back(std::move(channel));
}

}  // namespace sluice

#include "topology/routing_table.h"

namespace sluice {

void UnknownEndpoints::count(std::string_view service_id, std::string_view endpoint) {
  std::lock_guard lock(mu_);
  auto key =
      std::make_pair(std::string(service_id.substr(0, 128)), std::string(endpoint.substr(0, 128)));
  if (auto it = counts_.find(key); it != counts_.end()) {
    ++it->second;
    return;
  }
  // Bound the series: a client spraying random names must grow neither memory nor /metrics.
  // Names past the caps are counted under "(other)".
  auto service = names_per_service_.find(key.first);
  if (service == names_per_service_.end()) {
    if (names_per_service_.size() >= kMaxServices) {
      ++counts_[{"(other)", "(other)"}];
      return;
    }
    service = names_per_service_.emplace(key.first, 0).first;
  }
  if (service->second >= kMaxNamesPerService) {
    ++counts_[{key.first, "(other)"}];
    return;
  }
  ++service->second;
  counts_.emplace(std::move(key), 1);
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

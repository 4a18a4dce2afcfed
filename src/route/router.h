#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "route/endpoint_state.h"

namespace sluice {

// A service at run time: its endpoints, by name and in automatic-generation order.
struct ServiceRuntime {
  std::string id;
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::vector<EndpointRuntime*> automatic;  // placement is not "none": every record goes here
  std::vector<EndpointRuntime*> endpoints;  // all, for log statements by name (case-sensitive)
  [[nodiscard]] EndpointRuntime* endpoint(std::string_view name) const;
};

// Services and endpoints built from a Config: compiled formats and conditions, and one queue
// per endpoint. Shared by every ingest thread; only counters and queues change after build.
class Router {
 public:
  // `config` must outlive the router.
  [[nodiscard]] static Result<std::unique_ptr<Router>> build(const Config& config);

  [[nodiscard]] const ServiceRuntime* service(std::string_view id) const;
  [[nodiscard]] const std::vector<std::unique_ptr<EndpointRuntime>>& endpoints() const {
    return endpoints_;
  }

  // A log statement or record named an endpoint or service that does not exist.
  void count_unknown(std::string_view service_id, std::string_view endpoint);
  [[nodiscard]] std::map<std::pair<std::string, std::string>, uint64_t> unknown_counts() const;

 private:
  std::vector<std::unique_ptr<EndpointRuntime>> endpoints_;
  std::vector<ServiceRuntime> services_;
  mutable std::mutex unknown_mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> unknown_;
};

}  // namespace sluice

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "topology/endpoint_channel.h"
#include "topology/endpoint_plan.h"

namespace sluice {

// One endpoint as a routing table sees it: the version's plan and the durable channel its lines
// go to. `slot` numbers the routes of one table densely, so an ingest session can keep its
// pending batches in an array indexed by it.
struct Route {
  const EndpointPlan* plan = nullptr;
  EndpointChannel* channel = nullptr;
  uint32_t slot = 0;
};

// Hashes std::string and std::string_view alike, so lookups by view do not build a string.
struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// A service's routes: every endpoint by name (log statements, case-sensitive) and, in
// configuration order, those whose placement is not "none" (request records).
struct ServiceRoutes {
  // Up to this many endpoints a scan of the names beats hashing the name (most services have
  // a handful; the hash costs more than a few length checks and one compare).
  static constexpr size_t kScanLimit = 8;

  std::string id;
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::vector<const Route*> automatic;
  std::vector<const Route*> all;  // configuration order
  std::unordered_map<std::string, const Route*, TransparentStringHash, std::equal_to<>> by_name;

  [[nodiscard]] const Route* endpoint(std::string_view name) const {
    if (all.size() <= kScanLimit) {
      for (const Route* r : all) {
        if (r->plan->name() == name) return r;
      }
      return nullptr;
    }
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  }
};

// Log statements and records that named a service or endpoint that does not exist, counted per
// (service, name) for /metrics. Shared by every version: the counts outlive activations.
class UnknownEndpoints {
 public:
  // At most this many service ids, each with at most this many endpoint names (beyond them:
  // "(other)"), so at most about 2,100 series of sluice_unknown_endpoint_total.
  static constexpr size_t kMaxServices = 100;
  static constexpr size_t kMaxNamesPerService = 20;

  void count(std::string_view service_id, std::string_view endpoint);
  [[nodiscard]] std::map<std::pair<std::string, std::string>, uint64_t> counts() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;
  std::map<std::string, size_t, std::less<>> names_per_service_;
};

// The routing of one configuration version: services found by id and endpoints by name in
// constant time. Immutable once built; it keeps its plans and channels alive, so a batch routed
// by it stays valid however many versions are activated meanwhile.
class RoutingTable {
 public:
  RoutingTable(uint64_t generation, std::shared_ptr<UnknownEndpoints> unknown)
      : generation_(generation), unknown_(std::move(unknown)) {}
  RoutingTable(const RoutingTable&) = delete;
  RoutingTable& operator=(const RoutingTable&) = delete;

  // Building (Topology only, before the table is published). A service is added before its
  // endpoints, so that one with none is still found (its records are accepted and go nowhere).
  void add_service(const std::string& id, size_t max_line_bytes);
  void add(std::shared_ptr<const EndpointPlan> plan, std::shared_ptr<EndpointChannel> channel);

  [[nodiscard]] const ServiceRoutes* service(std::string_view id) const {
    auto it = services_.find(id);
    return it == services_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] size_t slot_count() const { return routes_.size(); }
  [[nodiscard]] uint64_t generation() const { return generation_; }
  [[nodiscard]] const std::shared_ptr<EndpointChannel>& channel_of(const Route& r) const {
    return channels_[r.slot];
  }

  void count_unknown(std::string_view service_id, std::string_view endpoint) const {
    unknown_->count(service_id, endpoint);
  }

 private:
  uint64_t generation_;
  std::shared_ptr<UnknownEndpoints> unknown_;
  std::vector<std::unique_ptr<Route>> routes_;  // stable addresses: ServiceRoutes point at them
  std::vector<std::shared_ptr<const EndpointPlan>> plans_;
  std::vector<std::shared_ptr<EndpointChannel>> channels_;  // by slot
  std::unordered_map<std::string, ServiceRoutes, TransparentStringHash, std::equal_to<>> services_;
};

// The table ingest reads: swapped atomically by activation, read once per ingest batch.
class ActiveRoutes {
 public:
  [[nodiscard]] std::shared_ptr<const RoutingTable> current() const {
    return table_.load(std::memory_order_acquire);
  }
  void publish(std::shared_ptr<const RoutingTable> table) {
    table_.store(std::move(table), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const RoutingTable>> table_;
};

}  // namespace sluice

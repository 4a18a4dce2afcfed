#pragma once

// A topology (routes and queues, no sinks) built from TOML and ingest loops on real threads, for
// tests that run a source against real queues. Lines are read back from the endpoint queues the way
// a sink takes them.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "config/config_loader.h"
#include "sources/source.h"
#include "topology/topology.h"

namespace sluice::testing {

class SourceHarness {
 public:
  explicit SourceHarness(std::string_view toml, int threads = 2) {
    auto config = load_config_string(toml, "test.toml");
    if (!config) {
      ADD_FAILURE() << config.error().message();
      return;
    }
    config_ = std::make_unique<Config>(std::move(*config));
    topology_ = std::make_unique<Topology>(TopologyOptions{});
    auto activated = topology_->activate(*config_);
    if (!activated) {
      ADD_FAILURE() << activated.error().message();
      topology_.reset();
      return;
    }
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~SourceHarness() {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  [[nodiscard]] bool ok() const { return topology_ != nullptr; }
  boost::asio::io_context& io() { return io_; }
  const ActiveRoutes& routes() { return topology_->routes(); }
  Topology& topology() { return *topology_; }
  SourceCounters& counters() { return counters_; }

  SourceContext context(const SourceConfig& config) {
    return SourceContext{config, topology_->routes(), io_, counters_};
  }

  EndpointChannel& endpoint(std::string_view service, std::string_view name) {
    EndpointChannel* e = topology_->find_channel(std::string(service), std::string(name)).get();
    if (e == nullptr) {
      ADD_FAILURE() << "no endpoint " << service << "/" << name;
      std::abort();
    }
    return *e;
  }

  // Takes (and acks) every line queued now.
  static std::vector<std::string> take_all(EndpointChannel& e) {
    std::vector<std::string> out;
    Lease lease;
    while (e.queue->take(100000, 64 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
      e.queue->ack(lease);
    }
    return out;
  }

  // Takes lines until `count` have arrived or `timeout` passes, then checks briefly for more,
  // so that a test of exact counts sees extra lines too.
  static std::vector<std::string> wait_lines(
      EndpointChannel& e, size_t count,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    std::vector<std::string> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& l : take_all(e)) out.push_back(std::move(l));
      if (out.size() < count) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& l : take_all(e)) out.push_back(std::move(l));
    return out;
  }

  template <typename Pred>
  static bool eventually(Pred pred,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  std::unique_ptr<Config> config_;
  std::unique_ptr<Topology> topology_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::vector<std::thread> threads_;
  SourceCounters counters_;
};

}  // namespace sluice::testing

#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sluice {

// The live connections of a listener, so that stop() can close them and wait until they have
// finished (flushed what they read). Connections add themselves when they start and remove
// themselves in their destructor; the set holds weak references only, so it never keeps a
// connection alive. Shared (by shared_ptr) between the listener and its connections, because a
// connection may outlive the listener object while its last handlers drain. Thread-safe.
template <typename Connection>
class ConnectionSet {
 public:
  // False once stopping: the connection should close at once.
  bool add(const std::shared_ptr<Connection>& c) {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    live_.emplace(c.get(), c);
    return true;
  }
  void remove(const Connection* c) {
    std::lock_guard lock(mu_);
    live_.erase(c);
    if (live_.empty()) empty_.notify_all();
  }
  // Marks the set as stopping and returns the connections alive now.
  std::vector<std::shared_ptr<Connection>> begin_stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    std::vector<std::shared_ptr<Connection>> out;
    for (auto& [raw, weak] : live_) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }
  // The connections alive now (for a periodic look at them, such as an idle sweep).
  std::vector<std::shared_ptr<Connection>> snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<Connection>> out;
    out.reserve(live_.size());
    for (auto& [raw, weak] : live_) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }
  [[nodiscard]] bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }
  // Waits until every connection is gone or the timeout passes; true when all are gone.
  bool wait_empty(std::chrono::steady_clock::duration timeout) {
    std::unique_lock lock(mu_);
    return empty_.wait_for(lock, timeout, [&] { return live_.empty(); });
  }
  [[nodiscard]] size_t size() const {
    std::lock_guard lock(mu_);
    return live_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable empty_;
  bool stopping_ = false;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_;
};

}  // namespace sluice

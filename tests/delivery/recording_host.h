#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "delivery/delivery_driver.h"

namespace sluice {

// A DeliveryHost for driver tests: records what was sent and which wakes were asked for; the test
// answers requests itself, in any order.
class RecordingHost : public DeliveryHost {
 public:
  void send(uint64_t id, const Payload& payload) override { sent.emplace_back(id, *payload.body); }
  void wake_at(std::chrono::steady_clock::time_point at) override { wakes.push_back(at); }

  // The id of the last request sent with this body.
  uint64_t id_of(const std::string& body) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->second == body) return it->first;
    }
    ADD_FAILURE() << "no request was sent with body \"" << body << "\"";
    return 0;
  }
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const auto& s : sent) out.push_back(s.second);
    return out;
  }

  std::vector<std::pair<uint64_t, std::string>> sent;
  std::vector<std::chrono::steady_clock::time_point> wakes;
};

}  // namespace sluice

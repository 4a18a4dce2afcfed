#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

// The configuration file `sluice run` reloads on SIGHUP, and how its last reload went, for
// /status. Written by the engine, read by the API; thread-safe.
class ReloadLog {
 public:
  struct Attempt {
    std::chrono::system_clock::time_point at;
    bool activated = false;
    std::vector<std::string> errors;  // refused: every problem; activated: notes, if any
  };

  void set_file(std::string file) {
    std::lock_guard lock(mu_);
    file_ = std::move(file);
  }
  void record(Attempt attempt) {
    std::lock_guard lock(mu_);
    last_ = std::move(attempt);
  }
  [[nodiscard]] std::string file() const {
    std::lock_guard lock(mu_);
    return file_;
  }
  [[nodiscard]] std::optional<Attempt> last() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  std::string file_;  // empty: the embedded default configuration
  std::optional<Attempt> last_;
};

}  // namespace sluice

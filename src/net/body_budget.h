#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace sluice {

// One budget for the bytes that HTTP request bodies hold while they are read, decoded and
// ingested, shared by every HTTP source of the process (body_budget in sluice.toml).
// max_body_bytes bounds one body; without this, eighty concurrent 10 MiB bodies held 854 MB.
// A request whose body would take the total past the limit is answered 503 with Retry-After
// before its body is read (see HttpServer), and what a body held is given back when it is done.
//
// A body is always taken when no other body holds anything, whatever its size (within
// max_body_bytes): a budget below the largest body then serialises such bodies instead of
// refusing them for ever. So the most held at once is the larger of the limit and one body.
// Thread-safe: bodies are read on every ingest thread.
//
// Returning the memory: bodies are ordinary heap strings, so a steady stream of bodies reuses
// the same heap pages (mapping each large body on its own cost W4 a third more CPU in page
// faults). What a burst leaves behind is given back instead: when the bodies in progress drain
// to nothing after holding at least `trim_after_bytes` at once, the budget calls `trim`
// (malloc_trim(0) by default, which hands the heaps' free pages back to the kernel). That is
// once per burst, never per body of a steady load that stays below it.
class BodyBudget {
 public:
  static constexpr uint64_t kTrimAfterBytes = 64ull * 1024 * 1024;

  explicit BodyBudget(uint64_t limit_bytes, uint64_t trim_after_bytes = kTrimAfterBytes,
                      std::function<void()> trim = nullptr);
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // Takes `n` more bytes for a body that already holds `own` of them. False, taking nothing,
  // when the total would pass the limit while other bodies hold some of it.
  [[nodiscard]] bool try_take(uint64_t n, uint64_t own);
  void give_back(uint64_t n);

  // What a refused client is told (the JSON error of its 503): the budget, by its setting's name.
  [[nodiscard]] std::string refusal_message() const;

  [[nodiscard]] uint64_t limit() const { return limit_; }
  [[nodiscard]] uint64_t held() const { return held_.load(std::memory_order_acquire); }

 private:
  const uint64_t limit_;
  const uint64_t trim_after_;
  const std::function<void()> trim_;
  std::atomic<uint64_t> held_{0};
  std::atomic<uint64_t> peak_since_trim_{0};  // the most held at once since the last trim
};

// The share of a BodyBudget that one body holds, given back when the lease is released or
// destroyed. Move-only. A lease without a budget (nullptr) grows without limit: a server with no
// budget (the API) uses one.
class BodyLease {
 public:
  BodyLease() = default;
  explicit BodyLease(BodyBudget* budget) : budget_(budget) {}
  BodyLease(BodyLease&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) {
    other.bytes_ = 0;
  }
  BodyLease& operator=(BodyLease&& other) noexcept {
    if (this != &other) {
      release();
      budget_ = other.budget_;
      bytes_ = other.bytes_;
      other.bytes_ = 0;
    }
    return *this;
  }
  BodyLease(const BodyLease&) = delete;
  BodyLease& operator=(const BodyLease&) = delete;
  ~BodyLease() { release(); }

  // Holds `n` bytes more; false (holding what it held) when the budget has no room for them.
  [[nodiscard]] bool grow(uint64_t n) {
    if (budget_ != nullptr && !budget_->try_take(n, bytes_)) return false;
    bytes_ += n;
    return true;
  }
  // Holds at least `total` bytes in all.
  [[nodiscard]] bool grow_to(uint64_t total) { return total <= bytes_ || grow(total - bytes_); }
  void release() {
    if (budget_ != nullptr && bytes_ != 0) budget_->give_back(bytes_);
    bytes_ = 0;
  }

  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] const BodyBudget* budget() const { return budget_; }

 private:
  BodyBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace sluice

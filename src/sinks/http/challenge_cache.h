#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sinks/http/retry_logic.h"

namespace sluice {

// The domain-ownership challenge is a property of a host, not of an endpoint: Fastly asks "before
// the first delivery to a host", and one answer may list the hashes of several services. This
// cache lets every endpoint that reaches the same origin the same way share one GET:
//
//  - an endpoint whose service was already verified at the origin passes at once, without asking;
//  - endpoints that want an answer while a GET is in flight wait for that GET instead of sending
//    their own, and each judges the one answer against its own service's hash.
//
// A failed answer is not kept: each endpoint that failed asks again on its own backoff, and those
// that happen to ask together share that GET too. A verified service stays verified until sluice
// restarts, as before.
//
// The key names the origin and everything about how it is reached (see the sink's
// challenge_origin_key()): two endpoints with different CAs or client certificates for one host
// may get different answers, so they do not share.
//
// Thread-safety: every member may be called from any thread. `ask` and `done` are never called
// with the lock held; `done` may run inside verify() (already verified), inside answer() (on the
// asking endpoint's client thread) or inside cancel(). Callers post to their own executor.
class ChallengeCache {
 public:
  // Sends the challenge GET. Its outcome must come back through answer(key, ...), or the asker
  // must call cancel() if it stops first.
  using Ask = std::function<void()>;
  // verified: the answer was 200 with the token's line or "*". outcome: what the GET got (empty
  // when the service was already verified at the origin).
  using Done = std::function<void(bool verified, const HttpOutcome& outcome)>;

  // Asks whether `token` (hex(sha256(service id))) may be delivered to the origin `key`. `owner`
  // identifies the endpoint, for cancel().
  void verify(const std::string& key, const void* owner, std::string token, Ask ask, Done done);

  // The outcome of the GET that the asker sent for `key`: decides every endpoint waiting on it.
  void answer(const std::string& key, const HttpOutcome& outcome);

  // The endpoint stops: its waits are forgotten. If its GET was the one in flight (its client is
  // stopped, so the answer will never come), the next waiting endpoint asks instead.
  void cancel(const std::string& key, const void* owner);

  // GETs sent for `key` so far (for tests and diagnostics).
  [[nodiscard]] uint64_t asks(const std::string& key) const;

 private:
  struct Waiter {
    const void* owner;
    std::string token;
    Ask ask;
    Done done;
  };
  struct Origin {
    const void* asker = nullptr;  // whose GET is in flight, or nullptr
    std::vector<Waiter> waiters;
    std::unordered_set<std::string> verified;  // tokens this origin accepted
    uint64_t asks = 0;
  };

  mutable std::mutex mu_;
  std::unordered_map<std::string, Origin> origins_;
};

}  // namespace sluice

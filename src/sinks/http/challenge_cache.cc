#include "sinks/http/challenge_cache.h"

#include <utility>

#include "sinks/http/challenge.h"

namespace sluice {
namespace {

// Whether an answer proves ownership for `token`: 200 and a line that is the token or "*".
bool challenge_passed(const HttpOutcome& outcome, std::string_view token) {
  return outcome.transport_ok && outcome.status == 200 && challenge_accepts(outcome.body, token);
}

}  // namespace

void ChallengeCache::verify(const std::string& key, const void* owner, std::string token, Ask ask,
                            Done done) {
  Ask to_send;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Origin& origin = origins_[key];
    if (origin.verified.count(token) == 0) {
      if (origin.asker == nullptr) {
        origin.asker = owner;
        ++origin.asks;
        to_send = ask;
      }
      origin.waiters.push_back(Waiter{owner, std::move(token), std::move(ask), std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done(true, HttpOutcome{});
    return;
  }
  if (to_send) to_send();
}

void ChallengeCache::answer(const std::string& key, const HttpOutcome& outcome) {
  std::vector<std::pair<Done, bool>> decided;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Origin& origin = origins_[key];
    origin.asker = nullptr;
    decided.reserve(origin.waiters.size());
    for (Waiter& w : origin.waiters) {
      bool ok = challenge_passed(outcome, w.token);
      if (ok) origin.verified.insert(w.token);
      decided.emplace_back(std::move(w.done), ok);
    }
    origin.waiters.clear();
  }
  for (auto& [done, ok] : decided) done(ok, outcome);
}

void ChallengeCache::cancel(const std::string& key, const void* owner) {
  Ask to_send;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = origins_.find(key);
    if (it == origins_.end()) return;
    Origin& origin = it->second;
    std::erase_if(origin.waiters, [owner](const Waiter& w) { return w.owner == owner; });
    if (origin.asker != owner) return;
    origin.asker = nullptr;
    if (!origin.waiters.empty()) {
      // The stopped endpoint's GET will never be answered: the next one in line asks.
      origin.asker = origin.waiters.front().owner;
      ++origin.asks;
      to_send = origin.waiters.front().ask;
    }
  }
  if (to_send) to_send();
}

uint64_t ChallengeCache::asks(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = origins_.find(key);
  return it == origins_.end() ? 0 : it->second.asks;
}

}  // namespace sluice

// The per-origin domain-ownership cache: who asks, who waits, how one answer is judged per
// service, and what happens when the asking endpoint stops. No network: `ask` only records.
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sinks/http/challenge.h"
#include "sinks/http/challenge_cache.h"

namespace sluice {
namespace {

HttpOutcome answer(long status, std::string body) {
  HttpOutcome o;
  o.status = status;
  o.body = std::move(body);
  return o;
}

HttpOutcome answer_200(std::string body) {
  return answer(200, std::move(body));
}

// One endpoint's view: how often it was asked to send the GET, and what it was told.
struct Endpoint {
  explicit Endpoint(std::string t) : token(std::move(t)) {}

  std::string token;
  int asked = 0;
  std::vector<bool> results;

  void verify(ChallengeCache& cache, const std::string& key) {
    cache.verify(
        key, this, token, [this] { ++asked; },
        [this](bool ok, const HttpOutcome&) { results.push_back(ok); });
  }
};

// Each endpoint in turn wants an answer for `key`, before any answer came.
void verify_in_turn(ChallengeCache& cache, std::initializer_list<Endpoint*> endpoints,
                    const std::string& key) {
  for (Endpoint* e : endpoints) e->verify(cache, key);
}

const std::string kOrigin = "https://logs.example/.well-known/fastly/logging/challenge";

TEST(ChallengeCache, EndpointsWaitingTogetherShareOneGetAndAreJudgedEachForItsService) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")}, b{challenge_token("svc1")}, c{challenge_token("svc2")};
  verify_in_turn(cache, {&a, &b, &c}, kOrigin);
  EXPECT_EQ(a.asked + b.asked + c.asked, 1) << "one GET for the origin";
  EXPECT_EQ(a.asked, 1) << "the first to want an answer asks";
  EXPECT_TRUE(a.results.empty() && b.results.empty() && c.results.empty());

  cache.answer(kOrigin, answer_200("# receiver\n" + challenge_token("svc1") + "\n"));
  EXPECT_EQ(a.results, std::vector<bool>{true});
  EXPECT_EQ(b.results, std::vector<bool>{true});
  EXPECT_EQ(c.results, std::vector<bool>{false}) << "svc2's hash is not served";
  EXPECT_EQ(cache.asks(kOrigin), 1u);
}

TEST(ChallengeCache, AVerifiedServicePassesWithoutAskingAgain) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")};
  a.verify(cache, kOrigin);
  cache.answer(kOrigin, answer_200("*\n"));
  Endpoint later{challenge_token("svc1")};
  later.verify(cache, kOrigin);
  EXPECT_EQ(later.asked, 0);
  EXPECT_EQ(later.results, std::vector<bool>{true}) << "answered inside verify()";
  EXPECT_EQ(cache.asks(kOrigin), 1u);

  // "*" verified svc1 only: another service still asks (the answer may have changed since).
  Endpoint other{challenge_token("svc2")};
  other.verify(cache, kOrigin);
  EXPECT_EQ(other.asked, 1);
  EXPECT_TRUE(other.results.empty());
}

TEST(ChallengeCache, AFailedAnswerIsNotKept) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")};
  a.verify(cache, kOrigin);
  HttpOutcome refused;
  refused.transport_ok = false;
  refused.transport = HttpOutcome::Transport::kConnection;
  refused.transport_error = "Connection refused";
  cache.answer(kOrigin, refused);
  EXPECT_EQ(a.results, std::vector<bool>{false});

  a.verify(cache, kOrigin);  // the endpoint's backoff expired: it asks again
  EXPECT_EQ(a.asked, 2);
  cache.answer(kOrigin, answer_200("nothing here\n"));
  a.verify(cache, kOrigin);
  EXPECT_EQ(a.asked, 3);
  cache.answer(kOrigin, answer(404, challenge_token("svc1")));
  EXPECT_EQ(a.results, (std::vector<bool>{false, false, false})) << "only a 200 counts";
  EXPECT_EQ(cache.asks(kOrigin), 3u);
}

TEST(ChallengeCache, OriginsAreSeparate) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")}, b{challenge_token("svc1")};
  a.verify(cache, kOrigin);
  b.verify(cache, "https://other.example/.well-known/fastly/logging/challenge");
  EXPECT_EQ(a.asked, 1);
  EXPECT_EQ(b.asked, 1);
  cache.answer(kOrigin, answer_200("*"));
  EXPECT_EQ(a.results, std::vector<bool>{true});
  EXPECT_TRUE(b.results.empty());
}

TEST(ChallengeCache, WhenTheAskerStopsTheNextWaiterAsks) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")}, b{challenge_token("svc1")}, c{challenge_token("svc1")};
  verify_in_turn(cache, {&a, &b, &c}, kOrigin);
  cache.cancel(kOrigin, &a);  // a's client stopped: its GET will never be answered
  EXPECT_EQ(b.asked, 1) << "b, next in line, sends the GET";
  EXPECT_EQ(c.asked, 0);
  EXPECT_EQ(cache.asks(kOrigin), 2u);
  cache.answer(kOrigin, answer_200(challenge_token("svc1")));
  EXPECT_TRUE(a.results.empty()) << "a stopped: it is not called";
  EXPECT_EQ(b.results, std::vector<bool>{true});
  EXPECT_EQ(c.results, std::vector<bool>{true});
}

TEST(ChallengeCache, AWaiterThatStopsIsForgottenAndTheGetGoesOn) {
  ChallengeCache cache;
  Endpoint a{challenge_token("svc1")}, b{challenge_token("svc1")};
  verify_in_turn(cache, {&a, &b}, kOrigin);
  cache.cancel(kOrigin, &b);
  EXPECT_EQ(cache.asks(kOrigin), 1u) << "a's GET is still in flight";
  cache.answer(kOrigin, answer_200("*"));
  EXPECT_EQ(a.results, std::vector<bool>{true});
  EXPECT_TRUE(b.results.empty());

  // The last asker stopping with nobody waiting leaves the origin free to be asked again.
  Endpoint c{challenge_token("svc2")};
  c.verify(cache, kOrigin);
  cache.cancel(kOrigin, &c);
  Endpoint d{challenge_token("svc2")};
  d.verify(cache, kOrigin);
  EXPECT_EQ(d.asked, 1);
}

}  // namespace
}  // namespace sluice

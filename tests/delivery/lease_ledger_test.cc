#include "delivery/lease_ledger.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

struct LedgerRig {
  LedgerRig() : queue(make_memory_queue(1 << 20, WhenFull::kBlock)), ledger(*queue, counters) {}
  void push(std::initializer_list<std::string_view> lines) {
    LineBatch b;
    for (auto l : lines) b.add(l);
    (void)queue->push(b);
  }
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    Lease lease;
    while (queue->take(1000, 1 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) out.emplace_back(lease.lines.line(i));
      queue->ack(lease);
      lease.lines.clear();
    }
    return out;
  }
  EndpointCounters counters;
  std::unique_ptr<EndpointQueue> queue;
  LeaseLedger ledger;
  Clock::time_point now = Clock::now();
};

TEST(LeaseLedger, ALeaseFinishedInPiecesIsAcknowledgedOnlyWhenWholeAndOldestFirst) {
  LedgerRig rig;
  rig.push({"a", "b", "c"});
  auto first = rig.ledger.take(3, 1 << 20, rig.now);
  rig.push({"d"});
  auto second = rig.ledger.take(3, 1 << 20, rig.now);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  rig.ledger.finish({*second, 0, 1});
  rig.ledger.finish({*first, 2, 1});
  rig.ledger.finish({*first, 0, 1});
  rig.ledger.finish({*first, 0, 1});  // twice: harmless
  EXPECT_EQ(rig.ledger.settle(rig.now), 0u);
  EXPECT_EQ(rig.queue->depth().leased_lines, 4u);
  rig.ledger.finish({*first, 1, 1});
  EXPECT_EQ(rig.ledger.settle(rig.now), 2u);
  EXPECT_EQ(rig.queue->depth().leased_lines, 0u);
  EXPECT_EQ(rig.counters.latency_count.load(), 2u);
  EXPECT_FALSE(rig.ledger.take(3, 1 << 20, rig.now).has_value());
}

TEST(LeaseLedger, ReleaseKeepsTheFinishedPrefixAndGivesTheRestBackInOrder) {
  LedgerRig rig;
  rig.push({"a", "b", "c"});
  auto first = rig.ledger.take(3, 1 << 20, rig.now);
  rig.push({"d", "e"});
  auto second = rig.ledger.take(3, 1 << 20, rig.now);
  rig.ledger.finish({*first, 0, 1});
  rig.ledger.finish({*first, 2, 1});  // after an unfinished line: sent again
  rig.ledger.finish({*second, 0, 2});
  rig.ledger.release_all();
  EXPECT_TRUE(rig.ledger.empty());
  EXPECT_EQ(rig.drain(), (std::vector<std::string>{"b", "c"}));
  // Ids are not reused after a release.
  rig.push({"f"});
  auto third = rig.ledger.take(3, 1 << 20, rig.now);
  ASSERT_TRUE(third.has_value());
  EXPECT_GT(*third, *second);
}

TEST(LeaseLedger, GiveBackNewestPutsLinesAtTheFrontNewestFirst) {
  LedgerRig rig;
  rig.push({"a"});
  (void)rig.ledger.take(1, 1 << 20, rig.now);
  rig.push({"b"});
  (void)rig.ledger.take(1, 1 << 20, rig.now);
  rig.push({"c"});
  rig.ledger.give_back_newest(2);
  EXPECT_EQ(rig.ledger.size(), 0u);
  EXPECT_EQ(rig.drain(), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace sluice

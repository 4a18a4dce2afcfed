#include <gtest/gtest.h>

#include "queue/endpoint_queue.h"

namespace sluice {
namespace {

LineBatch batch_of(std::initializer_list<std::string_view> lines) {
  LineBatch b;
  for (auto l : lines) b.add(l);
  return b;
}

std::vector<std::string> lines_of(const LineBatch& b) {
  std::vector<std::string> out;
  for (size_t i = 0; i < b.size(); ++i) out.emplace_back(b.line(i));
  return out;
}

TEST(LineBatch, DropFrontKeepsTheRest) {
  LineBatch b = batch_of({"aa", "b", "ccc"});
  b.drop_front(1);
  EXPECT_EQ(lines_of(b), (std::vector<std::string>{"b", "ccc"}));
  EXPECT_EQ(b.byte_size(), 4u);
  b.drop_front(5);
  EXPECT_TRUE(b.empty());
}

TEST(MemoryQueue, DeliversInOrderAndAcks) {
  auto q = make_memory_queue(1 << 20, WhenFull::kBlock);
  LineBatch b = batch_of({"one", "two", "three"});
  PushResult r = q->push(b);
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(q->depth().lines, 3u);
  Lease lease;
  ASSERT_TRUE(q->take(2, 1 << 20, lease));
  EXPECT_EQ(lines_of(lease.lines), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(q->depth().leased_lines, 2u);
  q->ack(lease);
  EXPECT_EQ(q->depth().lines, 1u);
  ASSERT_TRUE(q->take(10, 1 << 20, lease));
  EXPECT_EQ(lines_of(lease.lines), (std::vector<std::string>{"three"}));
  q->ack(lease);
  EXPECT_FALSE(q->take(10, 1 << 20, lease));
  EXPECT_EQ(q->depth().bytes, 0u);
}

TEST(MemoryQueue, PartialAckReturnsTheRestToTheFrontInOrder) {
  auto q = make_memory_queue(1 << 20, WhenFull::kBlock);
  LineBatch b = batch_of({"1", "2", "3", "4"});
  (void)q->push(b);
  Lease first, second;
  ASSERT_TRUE(q->take(2, 1 << 20, first));
  ASSERT_TRUE(q->take(2, 1 << 20, second));
  // The connection broke: newest lease back first, then the older one, partly delivered.
  q->nack(second);
  q->ack(first, 1);
  Lease again;
  ASSERT_TRUE(q->take(10, 1 << 20, again));
  EXPECT_EQ(lines_of(again.lines), (std::vector<std::string>{"2", "3", "4"}));
}

TEST(MemoryQueue, TakeRespectsByteLimitButAlwaysTakesOneLine) {
  auto q = make_memory_queue(1 << 20, WhenFull::kBlock);
  LineBatch b = batch_of({"0123456789", "abc"});
  (void)q->push(b);
  Lease lease;
  ASSERT_TRUE(q->take(10, 4, lease));
  EXPECT_EQ(lines_of(lease.lines), (std::vector<std::string>{"0123456789"}));
}

TEST(MemoryQueue, BlockAcceptsWhatFitsAndKeepsTheRestWithTheCaller) {
  auto q = make_memory_queue(10, WhenFull::kBlock);
  int space_calls = 0;
  q->set_space_callback([&] { ++space_calls; });
  LineBatch b = batch_of({"aaaa", "bbbb", "cccc"});
  PushResult r = q->push(b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_TRUE(r.full);
  EXPECT_EQ(lines_of(b), (std::vector<std::string>{"cccc"}));
  Lease lease;
  ASSERT_TRUE(q->take(1, 100, lease));
  q->ack(lease);
  EXPECT_EQ(space_calls, 1);
  r = q->push(b);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_FALSE(r.full);
}

TEST(MemoryQueue, DropNewestCountsWhatDidNotFit) {
  auto q = make_memory_queue(10, WhenFull::kDropNewest);
  LineBatch b = batch_of({"aaaa", "bbbb", "cccc", "dddd"});
  PushResult r = q->push(b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.dropped_newest, 2u);
  EXPECT_FALSE(r.full);
  EXPECT_TRUE(b.empty());
}

TEST(MemoryQueue, DropOldestEvictsQueuedLinesButNotLeasedOnes) {
  auto q = make_memory_queue(12, WhenFull::kDropOldest);
  LineBatch b = batch_of({"aaaa", "bbbb", "cccc"});
  (void)q->push(b);
  Lease lease;
  ASSERT_TRUE(q->take(1, 100, lease));  // "aaaa" is in flight
  LineBatch more = batch_of({"dddd"});
  PushResult r = q->push(more);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.dropped_oldest, 1u);  // "bbbb"
  q->ack(lease);
  Lease rest;
  ASSERT_TRUE(q->take(10, 100, rest));
  EXPECT_EQ(lines_of(rest.lines), (std::vector<std::string>{"cccc", "dddd"}));
}

TEST(MemoryQueue, EmptyQueueTakesOneLineLargerThanItsBound) {
  auto q = make_memory_queue(4, WhenFull::kBlock);
  LineBatch b = batch_of({"longer than four"});
  PushResult r = q->push(b);
  EXPECT_EQ(r.accepted, 1u);
}

TEST(MemoryQueue, DataCallbackFiresWhenAWaitingConsumerGetsLines) {
  auto q = make_memory_queue(1 << 20, WhenFull::kBlock);
  int wakes = 0;
  q->set_data_callback([&] { ++wakes; });
  LineBatch b = batch_of({"x"});
  (void)q->push(b);
  EXPECT_EQ(wakes, 1);
  b = batch_of({"y"});
  (void)q->push(b);  // nobody waited since the last wake
  EXPECT_EQ(wakes, 1);
  Lease lease;
  while (q->take(10, 100, lease)) q->ack(lease);
  b = batch_of({"z"});
  (void)q->push(b);
  EXPECT_EQ(wakes, 2);
}

}  // namespace
}  // namespace sluice

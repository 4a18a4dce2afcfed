#include "sinks/kinesis/shard_scheduler.h"

#include <algorithm>
#include <map>

namespace sluice {

size_t ShardScheduler::apply_map(ShardMap map, Clock::time_point now) {
  std::vector<uint32_t> waiting;
  std::map<std::string, ShardRate> rates;
  for (Lane& l : lanes_) {
    waiting.insert(waiting.end(), l.pending.begin(), l.pending.end());
    rates.emplace(l.shard.id, l.rate);
  }
  std::sort(waiting.begin(), waiting.end(),
            [this](uint32_t a, uint32_t b) { return slots_[a].order < slots_[b].order; });
  map_ = std::move(map);
  ++generation_;
  std::vector<Lane> lanes;
  for (const ShardInfo& s : map_.open()) {
    auto it = rates.find(s.id);
    // The middle of the range, not its start: peers differ at the boundaries (kinesis-mock puts
    // a key equal to a child's StartingHashKey on its sibling), the middle is unambiguous.
    lanes.push_back(Lane{.shard = s,
                         .hash_key = format_hash_key(s.start + (s.end - s.start) / 2),
                         .rate = it != rates.end() ? it->second : ShardRate(options_.limits, now),
                         .pending = {}});
  }
  lanes_ = std::move(lanes);
  least_assigned_ = {};
  for (uint32_t i = 0; i < lanes_.size(); ++i) least_assigned_.emplace(0, i);
  for (uint32_t id : waiting) place(id, /*front=*/false);
  return waiting.size();
}

void ShardScheduler::add(uint32_t id, uint32_t bytes, HashKey key_hash, uint64_t order,
                         Clock::time_point taken_at) {
  Slot& s = slot(id);
  s = Slot{};
  s.bytes = bytes;
  s.key_hash = key_hash;
  s.order = order;
  s.taken_at = taken_at;
  place(id, /*front=*/false);
}

void ShardScheduler::put_back(uint32_t id) {
  place(id, /*front=*/true);
}

// Puts an entry in its lane: the one it already has, if the map has not changed since.
void ShardScheduler::place(uint32_t id, bool front) {
  if (lanes_.empty()) return;
  Slot& s = slots_[id];
  if (s.generation != generation_ || s.lane == UINT32_MAX) {
    s.lane = choose_lane(s);
    s.generation = generation_;
  }
  Lane& lane = lanes_[s.lane];
  if (front) {
    lane.pending.push_front(id);
  } else {
    lane.pending.push_back(id);
  }
}

uint32_t ShardScheduler::choose_lane(const Slot& s) {
  if (options_.keyed) return uint32_t(map_.find(s.key_hash).value_or(0));
  // The lane given the fewest bytes since the map was built (the lowest index on a tie).
  auto [bytes, best] = least_assigned_.top();
  least_assigned_.pop();
  least_assigned_.emplace(bytes + s.bytes, best);
  return best;
}

std::optional<ShardScheduler::Clock::time_point> ShardScheduler::oldest_waiting() const {
  std::optional<Clock::time_point> oldest;
  for (const Lane& l : lanes_) {
    if (l.pending.empty() || (options_.keyed && l.in_flight)) continue;
    auto t = slots_[l.pending.front()].taken_at;
    if (!oldest || t < *oldest) oldest = t;
  }
  return oldest;
}

size_t ShardScheduler::waiting() const {
  size_t n = 0;
  for (const Lane& l : lanes_) n += l.pending.size();
  return n;
}

ShardScheduler::Call ShardScheduler::plan_call(Clock::time_point now, bool flushing,
                                               CallWriter& writer, Clock::time_point& retry_at) {
  Call call;
  call.generation = generation_;
  const bool kpl = options_.aggregate;
  bool closed = false;  // the call is full, or holds an entry that must go alone
  size_t n = lanes_.size();
  for (size_t k = 0; k < n && !closed; ++k) {
    uint32_t li = uint32_t((rr_ + k) % n);
    Lane& lane = lanes_[li];
    if (lane.pending.empty() || (options_.keyed && lane.in_flight)) continue;
    // A lane held back by its rate waits until it can send a batch worth a call (half its
    // burst), not one record each time a token drips in: that would be a call per record.
    if (!kpl && !flushing) {
      double need = std::min<double>(double(lane.pending.size()), lane.rate.batch_records());
      if (!lane.rate.allows(need, 0, now)) {
        retry_at = std::min(retry_at, now + lane.rate.wait_for(need, 0));
        continue;
      }
    }
    bool used = false;
    while (!lane.pending.empty() && call.records.size() < options_.max_records) {
      uint32_t first = lane.pending.front();
      bool alone = slots_[first].isolate;
      if (alone && !call.records.empty()) {
        closed = true;
        break;
      }
      size_t take = 1;
      size_t record_bytes = slots_[first].bytes;
      if (kpl && !alone) record_bytes = writer.plan_aggregate(lane.pending, take);
      if (call.bytes + record_bytes > options_.max_bytes && !call.records.empty()) {
        closed = true;
        break;
      }
      if (!lane.rate.allows(1, double(record_bytes), now)) {
        retry_at = std::min(retry_at, now + lane.rate.wait_for(1, double(record_bytes)));
        break;
      }
      lane.rate.take(1, double(record_bytes));
      std::vector<uint32_t> ids(lane.pending.begin(), lane.pending.begin() + long(take));
      lane.pending.erase(lane.pending.begin(), lane.pending.begin() + long(take));
      writer.write_record(li, ids, /*aggregated=*/kpl && !alone);
      call.bytes += record_bytes;
      call.records.push_back(std::move(ids));
      call.record_lanes.push_back(li);
      used = true;
      if (alone) {
        closed = true;
        break;
      }
    }
    if (call.records.size() >= options_.max_records) closed = true;
    if (used && options_.keyed) {
      lane.in_flight = true;
      call.busy_lanes.push_back(li);
    }
  }
  rr_ = (rr_ + 1) % std::max<size_t>(n, 1);
  return call;
}

void ShardScheduler::release(const Call& call) {
  for (uint32_t li : call.busy_lanes) {
    if (call.generation == generation_ && li < lanes_.size()) lanes_[li].in_flight = false;
  }
}

bool ShardScheduler::on_answer(const Call& call, std::span<const RecordOutcome> outcomes,
                               Clock::time_point now) {
  if (call.generation != generation_) return false;  // lanes rebuilt since: nothing to feed
  sent_in_lane_.assign(lanes_.size(), 0);
  throttled_in_lane_.assign(lanes_.size(), 0);
  accepted_in_lane_.assign(lanes_.size(), 0);
  bool mispredicted = false;
  for (size_t i = 0; i < call.records.size() && i < outcomes.size(); ++i) {
    uint32_t li = call.record_lanes[i];
    if (li >= lanes_.size()) continue;
    ++sent_in_lane_[li];
    const RecordOutcome& o = outcomes[i];
    if (o.ok) {
      Lane& lane = lanes_[li];
      ++accepted_in_lane_[li];
      if (o.shard_id != lane.shard.id) mispredicted = true;
      lane.delivered_records += 1;
      lane.delivered_lines += call.records[i].size();
      lane.delivered_bytes += o.bytes;
    } else if (o.throttled) {
      ++throttled_in_lane_[li];
    }
  }
  for (size_t li = 0; li < lanes_.size(); ++li) {
    if (sent_in_lane_[li] > 0) {
      lanes_[li].rate.on_result(sent_in_lane_[li], throttled_in_lane_[li], accepted_in_lane_[li],
                                now);
    }
  }
  return mispredicted;
}

std::vector<uint32_t> ShardScheduler::take_waiting_if(const std::function<bool(uint32_t)>& pred) {
  std::vector<uint32_t> out;
  for (Lane& lane : lanes_) {
    std::deque<uint32_t> keep;
    for (uint32_t id : lane.pending) {
      if (pred(id)) {
        out.push_back(id);
      } else {
        keep.push_back(id);
      }
    }
    lane.pending.swap(keep);
  }
  return out;
}

}  // namespace sluice

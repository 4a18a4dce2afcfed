#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/kinesis/hash_key.h"
#include "sinks/kinesis/shard_map.h"
#include "sinks/kinesis/shard_rate.h"

namespace sluice {

// Which entry goes to which shard, and when: one lane per open shard, each shaped to the shard's
// write limits by its ShardRate. No I/O and no clock: time is passed in, so placement, planning
// and rate feedback are testable table by table.
//
// Entries are the sink's, named by small dense ids it reuses; the scheduler keeps what it needs
// of each (bytes, the partition key's hash, take time and order). Without a partition key, an
// entry goes to the lane given the fewest bytes so far, and is sent with an ExplicitHashKey in the
// middle of that shard's range: every open shard gets the same bytes. With one, it goes to the
// shard the key's MD5 selects, as Kinesis would route it, and a lane has at most one call in
// flight, so a key's entries are written in order. Single-threaded.
class ShardScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    bool keyed = false;      // partition_key mode
    bool aggregate = false;  // KPL: a record holds several entries (sized by the CallWriter)
    ShardRate::Limits limits;
    size_t max_records = 500;  // per call
    size_t max_bytes = 5 << 20;
  };

  struct Lane {
    ShardInfo shard;
    std::string hash_key;  // the ExplicitHashKey sent: the middle of the shard's range
    ShardRate rate;
    std::deque<uint32_t> pending;
    bool in_flight = false;  // keyed: one call per shard at a time
    uint64_t delivered_records = 0, delivered_lines = 0, delivered_bytes = 0;
    // For /status: the counts at the last report, and the rates over the time since.
    uint64_t reported_records = 0, reported_lines = 0, reported_bytes = 0;
    double records_per_second = 0, lines_per_second = 0, bytes_per_second = 0;
  };

  // A planned PutRecords call: the entry ids of each record, and the lane each record went to.
  struct Call {
    std::vector<std::vector<uint32_t>> records;
    std::vector<uint32_t> record_lanes;
    std::vector<uint32_t> busy_lanes;  // lanes marked in flight by this call
    uint64_t generation = 0;           // of the map the lanes belong to
    size_t bytes = 0;
  };

  // The sink's side of planning: what a record of a lane's first entries costs, and writing it.
  class CallWriter {
   public:
    virtual ~CallWriter() = default;
    // aggregate only: packs as many of `pending`'s first entries as one record holds; sets
    // `take` to how many and returns the record's bytes. Isolated entries stop it.
    virtual size_t plan_aggregate(const std::deque<uint32_t>& pending, size_t& take) = 0;
    // Appends a record of `ids` to the call's body: the aggregate just planned, or one entry.
    virtual void write_record(uint32_t lane, std::span<const uint32_t> ids, bool aggregated) = 0;
  };

  // One record of an answer, in call order.
  struct RecordOutcome {
    bool ok = false;
    bool throttled = false;
    std::string_view shard_id;  // where Kinesis put it (ok only)
    size_t bytes = 0;           // the record's entries' bytes (ok only)
  };

  explicit ShardScheduler(const Options& options) : options_(options) {}

  // New lanes for the open shards of `map`; a shard that stays keeps its rate. Waiting entries
  // are dealt out again in the order they were taken. Returns how many were.
  size_t apply_map(ShardMap map, Clock::time_point now);

  // A new entry, at the back of its lane. key_hash is read in keyed mode only.
  void add(uint32_t id, uint32_t bytes, HashKey key_hash, uint64_t order,
           Clock::time_point taken_at);
  // An entry whose call failed, back at the front of its lane: call for a record's entries from
  // the last to the first, and for records from the last, so each lane keeps their order.
  void put_back(uint32_t id);
  // The entry must go alone (a call holding it was refused as a whole).
  void isolate(uint32_t id) { slot(id).isolate = true; }
  [[nodiscard]] bool isolated(uint32_t id) const { return slots_[id].isolate; }
  [[nodiscard]] Clock::time_point taken_at(uint32_t id) const { return slots_[id].taken_at; }

  // When the oldest entry a lane could send now was taken; nullopt when none waits.
  [[nodiscard]] std::optional<Clock::time_point> oldest_waiting() const;
  [[nodiscard]] size_t waiting() const;

  // Fills a call from the lanes, round robin, within each shard's rate and the call's limits.
  // `retry_at` is lowered to when a lane held back by its rate may send again.
  [[nodiscard]] Call plan_call(Clock::time_point now, bool flushing, CallWriter& writer,
                               Clock::time_point& retry_at);
  // The call is answered (or failed): its lanes may send again.
  void release(const Call& call);
  // Feeds an answer's records to their lanes' rates and counts what each delivered. Returns true
  // when a record landed on a shard the map did not predict (the map is stale).
  bool on_answer(const Call& call, std::span<const RecordOutcome> outcomes, Clock::time_point now);

  // Takes the waiting entries for which `expired` holds out of their lanes; returns them.
  std::vector<uint32_t> take_waiting_if(const std::function<bool(uint32_t)>& expired);

  [[nodiscard]] const ShardMap& map() const { return map_; }
  [[nodiscard]] const std::vector<Lane>& lanes() const { return lanes_; }
  [[nodiscard]] std::vector<Lane>& lanes() { return lanes_; }
  [[nodiscard]] uint64_t generation() const { return generation_; }

 private:
  struct Slot {
    uint32_t bytes = 0;
    uint32_t lane = UINT32_MAX;
    uint64_t generation = 0;  // of the map its lane belongs to
    uint64_t order = 0;       // take order, to deal entries out again after a reshard
    HashKey key_hash = 0;
    Clock::time_point taken_at;
    bool isolate = false;
  };

  Slot& slot(uint32_t id) {
    if (id >= slots_.size()) slots_.resize(size_t(id) + 1);
    return slots_[id];
  }
  void place(uint32_t id, bool front);
  uint32_t choose_lane(const Slot& s);

  Options options_;
  ShardMap map_;
  uint64_t generation_ = 0;
  std::vector<Lane> lanes_;
  std::vector<Slot> slots_;
  // Bytes dealt to each lane since the map was built, as (bytes, lane): the least on top. A heap:
  // a stream may have hundreds of shards, and this runs for every entry.
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                      std::greater<>>
      least_assigned_;
  size_t rr_ = 0;  // the lane a call starts from
  // Of the answer being read, per lane.
  std::vector<size_t> sent_in_lane_, throttled_in_lane_, accepted_in_lane_;
};

}  // namespace sluice

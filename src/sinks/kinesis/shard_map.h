#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sinks/kinesis/hash_key.h"

namespace sluice {

struct ShardInfo {
  std::string id;
  HashKey start = 0;
  HashKey end = 0;
  bool open = true;  // no EndingSequenceNumber: the shard still takes writes
};

// One page of a ListShards answer.
struct ListShardsPage {
  std::vector<ShardInfo> shards;
  std::string next_token;  // empty on the last page
};

// Parses a ListShards response body. Explicit JSON nulls (kinesis-mock writes them) count as
// absent. The message names what is missing or malformed.
[[nodiscard]] Result<ListShardsPage> parse_list_shards(std::string_view body);

// The open shards of a stream, sorted by hash range, and where a hash key lands. Built from
// every page of one ListShards listing; closed shards are kept aside only for /status.
class ShardMap {
 public:
  ShardMap() = default;
  // Checks that the open shards tile the hash space without gaps or overlaps, as they do in a
  // stream at rest; during a reshard AWS lists the children as open only once they are active.
  [[nodiscard]] static Result<ShardMap> build(std::vector<ShardInfo> shards);

  [[nodiscard]] const std::vector<ShardInfo>& open() const { return open_; }
  [[nodiscard]] size_t closed_count() const { return closed_; }
  [[nodiscard]] bool empty() const { return open_.empty(); }
  // Index into open() of the shard whose range holds `key`; nullopt only for an empty map.
  [[nodiscard]] std::optional<size_t> find(HashKey key) const;
  // True when both maps have the same open shards (ids and ranges).
  [[nodiscard]] bool same_open_shards(const ShardMap& other) const;

 private:
  std::vector<ShardInfo> open_;
  size_t closed_ = 0;
};

}  // namespace sluice

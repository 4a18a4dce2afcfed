#include "sinks/kinesis/shard_map.h"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice {
namespace {

// The string member `key` of `obj`; "" when absent or null, nullopt when of another type.
std::optional<std::string_view> optional_string(simdjson::dom::object obj, std::string_view key) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::string_view{};
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

}  // namespace

Result<ListShardsPage> parse_list_shards(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err) {
    return Error(fmt::format("ListShards answer is not JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object root;
  if (doc.get(root) != simdjson::SUCCESS) return Error("ListShards answer is not a JSON object");
  ListShardsPage page;
  auto token = optional_string(root, "NextToken");
  if (!token) return Error("ListShards answer: NextToken is not a string");
  page.next_token = std::string(*token);
  simdjson::dom::array shards;
  if (root.at_key("Shards").get(shards) != simdjson::SUCCESS) {
    return Error("ListShards answer has no Shards array");
  }
  for (simdjson::dom::element s : shards) {
    simdjson::dom::object shard;
    if (s.get(shard) != simdjson::SUCCESS)
      return Error("ListShards answer: a shard is not an object");
    ShardInfo info;
    auto id = optional_string(shard, "ShardId");
    if (!id || id->empty()) return Error("ListShards answer: a shard has no ShardId");
    info.id = std::string(*id);
    simdjson::dom::object range;
    if (shard.at_key("HashKeyRange").get(range) != simdjson::SUCCESS) {
      return Error(fmt::format("ListShards answer: shard {} has no HashKeyRange", info.id));
    }
    auto start = optional_string(range, "StartingHashKey");
    auto end = optional_string(range, "EndingHashKey");
    std::optional<HashKey> start_key, end_key;
    if (start && end) {
      start_key = parse_hash_key(*start);
      end_key = parse_hash_key(*end);
    }
    if (!start_key.has_value() || !end_key.has_value() || start_key.value() > end_key.value()) {
      return Error(
          fmt::format("ListShards answer: shard {} has a malformed HashKeyRange", info.id));
    }
    info.start = start_key.value();
    info.end = end_key.value();
    simdjson::dom::object seq;
    if (shard.at_key("SequenceNumberRange").get(seq) == simdjson::SUCCESS) {
      auto ending = optional_string(seq, "EndingSequenceNumber");
      info.open = ending && ending->empty();
    }
    page.shards.push_back(std::move(info));
  }
  return page;
}

Result<ShardMap> ShardMap::build(std::vector<ShardInfo> shards) {
  ShardMap map;
  for (ShardInfo& s : shards) {
    if (s.open) {
      map.open_.push_back(std::move(s));
    } else {
      ++map.closed_;
    }
  }
  if (map.open_.empty()) return Error("the stream has no open shard");
  std::sort(map.open_.begin(), map.open_.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.start < b.start; });
  HashKey expect = 0;
  for (size_t i = 0; i < map.open_.size(); ++i) {
    const ShardInfo& s = map.open_[i];
    if (s.start != expect) {
      return Error(
          fmt::format("the open shards do not cover the hash space: shard {} starts at {}, "
                      "expected {}",
                      s.id, format_hash_key(s.start), format_hash_key(expect)));
    }
    if (s.end == kMaxHashKey) {
      if (i + 1 != map.open_.size()) {
        return Error(fmt::format("open shard {} overlaps shard {}", s.id, map.open_[i + 1].id));
      }
      return map;
    }
    expect = s.end + 1;
  }
  return Error(
      fmt::format("the open shards end at {}, short of 2^128-1", format_hash_key(expect - 1)));
}

std::optional<size_t> ShardMap::find(HashKey key) const {
  if (open_.empty()) return std::nullopt;
  auto it = std::upper_bound(open_.begin(), open_.end(), key,
                             [](HashKey k, const ShardInfo& s) { return k < s.start; });
  if (it == open_.begin()) return 0;
  return size_t(it - open_.begin()) - 1;
}

bool ShardMap::same_open_shards(const ShardMap& other) const {
  if (open_.size() != other.open_.size()) return false;
  for (size_t i = 0; i < open_.size(); ++i) {
    const ShardInfo& a = open_[i];
    const ShardInfo& b = other.open_[i];
    if (a.id != b.id || a.start != b.start || a.end != b.end) return false;
  }
  return true;
}

}  // namespace sluice

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice {

// Packs many lines into one Kinesis record in the KPL's aggregated format, which the KCL and
// the AWS deaggregation libraries unpack:
//
//   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
//
//   message AggregatedRecord { repeated string partition_key_table = 1;
//                              repeated string explicit_hash_key_table = 2;
//                              repeated Record records = 3; }
//   message Record { required uint64 partition_key_index = 1;
//                    optional uint64 explicit_hash_key_index = 2;
//                    required bytes data = 3; }
//
// The protobuf encoding is written here by hand: the format has three fields of two messages,
// and libprotobuf would bring a code generator into the build for about forty lines of varints.
class KplAggregator {
 public:
  static constexpr std::string_view kMagic{"\xF3\x89\x9A\xC2", 4};
  static constexpr size_t kDigestBytes = 16;

  // The size of an aggregate holding only this line (to check a lone line against the limit).
  [[nodiscard]] static size_t single_size(std::string_view partition_key, std::string_view data);

  // Whether one more line fits within max_bytes (the aggregate plus the outer partition key,
  // which Kinesis counts against the record size limit).
  [[nodiscard]] bool fits(std::string_view partition_key, std::string_view data,
                          size_t max_bytes) const;
  void add(std::string_view partition_key, std::string_view data);
  [[nodiscard]] size_t lines() const { return lines_; }
  [[nodiscard]] size_t size() const;  // of the finished aggregate
  // The first line's partition key: the outer record's key.
  [[nodiscard]] const std::string& first_partition_key() const { return first_key_; }
  // Appends the finished aggregate to out and starts over.
  void finish(std::string& out);
  void clear();

 private:
  [[nodiscard]] size_t added_bytes(std::string_view partition_key, std::string_view data) const;

  std::string keys_;     // encoded partition_key_table entries
  std::string records_;  // encoded records entries
  // Looked up by string_view, so a key already in the table costs no copy per line.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint64_t, KeyHash, std::equal_to<>> key_index_;
  std::string first_key_;
  size_t lines_ = 0;
};

}  // namespace sluice

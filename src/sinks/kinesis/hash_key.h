#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// A Kinesis hash key: an unsigned 128-bit integer, written in decimal in the API
// (StartingHashKey, EndingHashKey, ExplicitHashKey). GCC and Clang's unsigned __int128 holds it
// exactly, so no bignum library is needed.
__extension__ typedef unsigned __int128 HashKey;

inline constexpr HashKey kMaxHashKey = ~HashKey(0);

// Parses a decimal hash key; nullopt for anything but 1-39 digits within 2^128-1.
[[nodiscard]] std::optional<HashKey> parse_hash_key(std::string_view decimal);
[[nodiscard]] std::string format_hash_key(HashKey key);

// Where Kinesis puts a record with this partition key: the MD5 of its UTF-8 bytes, read as a
// big-endian 128-bit integer (the PutRecords documentation's mapping).
[[nodiscard]] HashKey partition_key_hash(std::string_view partition_key);

}  // namespace sluice

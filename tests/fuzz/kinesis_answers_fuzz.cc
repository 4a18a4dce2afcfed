// libFuzzer target: what the kinesis endpoint reads from the network, parsed from arbitrary
// bytes: ListShards pages (and the shard map built from them), PutRecords answers, API error
// documents, STS AssumeRole XML and instance metadata credentials.
//
// Input: byte 0 picks the parser, byte 1 the number of records a PutRecords answer must match;
// the rest is the document.
//
// Invariants checked:
// - no parser crashes, reads out of bounds or hangs, whatever the bytes;
// - a PutRecords answer that parses has exactly the expected number of entries;
// - a shard map that builds covers the whole hash space: find() lands every key on an open
//   shard whose range holds it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/instance_metadata.h"
#include "aws/sts.h"
#include "sinks/kinesis/request_builder.h"
#include "sinks/kinesis/shard_map.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void shard_map(std::string_view doc, uint8_t salt) {
  auto page = sluice::parse_list_shards(doc);
  if (!page) return;
  auto map = sluice::ShardMap::build(page->shards);
  if (!map) return;
  sluice::HashKey probes[] = {0, sluice::kMaxHashKey, sluice::HashKey(salt) << 120,
                              sluice::partition_key_hash(doc.substr(0, 16))};
  for (sluice::HashKey k : probes) {
    auto i = map->find(k);
    check(i.has_value() && *i < map->open().size());
    const auto& s = map->open()[*i];
    check(s.start <= k && k <= s.end);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view doc(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (data[0] % 5) {
    case 0:
      shard_map(doc, data[1]);
      break;
    case 1: {
      size_t expected = data[1];
      auto r = sluice::parse_put_records(doc, expected);
      if (r) check(r->entries.size() == expected);
      break;
    }
    case 2:
      (void)sluice::parse_kinesis_error(doc);
      break;
    case 3:
      (void)sluice::parse_assume_role_response(doc);
      break;
    case 4:
      (void)sluice::parse_imds_credentials(doc);
      (void)sluice::parse_imds_role(doc);
      break;
  }
  return 0;
}

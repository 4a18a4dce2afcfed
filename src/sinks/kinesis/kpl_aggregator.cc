#include "sinks/kinesis/kpl_aggregator.h"

#include <openssl/evp.h>

namespace sluice {
namespace {

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Field tags: (field number << 3) | wire type; 0 = varint, 2 = length-delimited.
constexpr char kTagPartitionKeyTable = (1 << 3) | 2;
constexpr char kTagRecords = (3 << 3) | 2;
constexpr char kTagPartitionKeyIndex = (1 << 3) | 0;
constexpr char kTagData = (3 << 3) | 2;

size_t record_body_size(uint64_t key_index, size_t data_size) {
  return 1 + varint_size(key_index) + 1 + varint_size(data_size) + data_size;
}

size_t length_delimited_size(size_t body) {
  return 1 + varint_size(body) + body;
}

}  // namespace

size_t KplAggregator::added_bytes(std::string_view partition_key, std::string_view data) const {
  auto it = key_index_.find(partition_key);
  uint64_t index = it != key_index_.end() ? it->second : key_index_.size();
  size_t n = length_delimited_size(record_body_size(index, data.size()));
  if (it == key_index_.end()) n += length_delimited_size(partition_key.size());
  return n;
}

size_t KplAggregator::single_size(std::string_view partition_key, std::string_view data) {
  return kMagic.size() + length_delimited_size(partition_key.size()) +
         length_delimited_size(record_body_size(0, data.size())) + kDigestBytes +
         partition_key.size();
}

bool KplAggregator::fits(std::string_view partition_key, std::string_view data,
                         size_t max_bytes) const {
  size_t outer_key = lines_ == 0 ? partition_key.size() : first_key_.size();
  return size() + added_bytes(partition_key, data) + outer_key <= max_bytes;
}

void KplAggregator::add(std::string_view partition_key, std::string_view data) {
  auto it = key_index_.find(partition_key);
  if (it == key_index_.end()) {
    it = key_index_.emplace(std::string(partition_key), key_index_.size()).first;
    keys_.push_back(kTagPartitionKeyTable);
    put_varint(keys_, partition_key.size());
    keys_.append(partition_key);
  }
  if (lines_ == 0) first_key_ = std::string(partition_key);
  records_.push_back(kTagRecords);
  put_varint(records_, record_body_size(it->second, data.size()));
  records_.push_back(kTagPartitionKeyIndex);
  put_varint(records_, it->second);
  records_.push_back(kTagData);
  put_varint(records_, data.size());
  records_.append(data);
  ++lines_;
}

size_t KplAggregator::size() const {
  return kMagic.size() + keys_.size() + records_.size() + kDigestBytes;
}

void KplAggregator::finish(std::string& out) {
  size_t start = out.size();
  out.append(kMagic);
  out.append(keys_);
  out.append(records_);
  // The digest covers the protobuf message only, not the magic.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  EVP_DigestUpdate(ctx, out.data() + start + kMagic.size(), out.size() - start - kMagic.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  out.append(reinterpret_cast<const char*>(digest), kDigestBytes);
  clear();
}

void KplAggregator::clear() {
  keys_.clear();
  records_.clear();
  key_index_.clear();
  first_key_.clear();
  lines_ = 0;
}

}  // namespace sluice

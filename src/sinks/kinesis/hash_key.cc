#include "sinks/kinesis/hash_key.h"

#include <openssl/evp.h>

namespace sluice {

std::optional<HashKey> parse_hash_key(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 39) return std::nullopt;
  HashKey value = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    HashKey digit = HashKey(c - '0');
    if (value > (kMaxHashKey - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string format_hash_key(HashKey key) {
  char buf[40];
  char* p = buf + sizeof(buf);
  do {
    *--p = char('0' + int(key % 10));
    key /= 10;
  } while (key != 0);
  return std::string(p, buf + sizeof(buf));
}

HashKey partition_key_hash(std::string_view partition_key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // MD5 cannot fail on a valid input buffer; a zero digest would still be a valid hash key.
  EVP_Digest(partition_key.data(), partition_key.size(), digest, &len, EVP_md5(), nullptr);
  HashKey value = 0;
  for (unsigned int i = 0; i < 16 && i < len; ++i) value = (value << 8) | digest[i];
  return value;
}

}  // namespace sluice

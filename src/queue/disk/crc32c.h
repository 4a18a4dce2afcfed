#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice {

// CRC32C (Castagnoli), the checksum of iSCSI, ext4 metadata and LevelDB/RocksDB logs. Debian
// packages no C/C++ CRC32C library (only python3-crc32c), so it is implemented here: SSE4.2's
// crc32 instruction where the CPU has it (checked once at run time), else a byte table.
// `crc` is a previous result to continue from; 0 starts a new checksum.
[[nodiscard]] uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);
[[nodiscard]] inline uint32_t crc32c(std::string_view s, uint32_t crc = 0) {
  return crc32c(s.data(), s.size(), crc);
}
// The portable table version, exposed so that tests can compare both on the same input.
[[nodiscard]] uint32_t crc32c_portable(const void* data, size_t size, uint32_t crc = 0);

}  // namespace sluice

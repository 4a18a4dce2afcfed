#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace sluice {

// The acknowledged position of one endpoint queue: everything before it was delivered. It is
// two fixed 32-byte slots, written alternately in place and each with its own CRC32C, so a
// write torn by a crash leaves the other slot intact; loading takes the valid slot with the
// higher sequence number. A lost ledger update only means re-sending (duplicates, never loss),
// so the queue writes it on its flush interval rather than on every acknowledgement.
class Ledger {
 public:
  Ledger() = default;
  ~Ledger();
  Ledger(Ledger&& other) noexcept;
  Ledger& operator=(Ledger&& other) noexcept;

  // Opens or creates `path`; a missing or unreadable ledger starts at position 0.
  [[nodiscard]] static Result<Ledger> open(const std::string& path);

  // The position recorded in `path`, without creating or changing anything (0 if none).
  [[nodiscard]] static uint64_t read(const std::string& path);

  [[nodiscard]] uint64_t position() const { return position_; }
  // Writes `position`; with `sync`, fdatasync()s it too. The error names the file.
  [[nodiscard]] Status store(uint64_t position, bool sync);

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t position_ = 0;
  uint64_t sequence_ = 0;
};

}  // namespace sluice

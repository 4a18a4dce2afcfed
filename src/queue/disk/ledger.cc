#include "queue/disk/ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "queue/disk/crc32c.h"

namespace sluice {
namespace {

constexpr size_t kSlotBytes = 32;
constexpr uint32_t kMagic = 0x4c4c5553;  // "SULL"

// Slot: u32 magic | u32 crc of bytes [8, 32) | u64 sequence | u64 position | u64 reserved.
void encode(char* slot, uint64_t sequence, uint64_t position) {
  std::memset(slot, 0, kSlotBytes);
  std::memcpy(slot, &kMagic, 4);
  std::memcpy(slot + 8, &sequence, 8);
  std::memcpy(slot + 16, &position, 8);
  uint32_t crc = crc32c(slot + 8, kSlotBytes - 8);
  std::memcpy(slot + 4, &crc, 4);
}

bool decode(const char* slot, uint64_t& sequence, uint64_t& position) {
  uint32_t magic, crc;
  std::memcpy(&magic, slot, 4);
  std::memcpy(&crc, slot + 4, 4);
  if (magic != kMagic || crc != crc32c(slot + 8, kSlotBytes - 8)) return false;
  std::memcpy(&sequence, slot + 8, 8);
  std::memcpy(&position, slot + 16, 8);
  return true;
}

}  // namespace

Ledger::~Ledger() {
  if (fd_ >= 0) ::close(fd_);
}

Ledger::Ledger(Ledger&& other) noexcept {
  *this = std::move(other);
}

Ledger& Ledger::operator=(Ledger&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    position_ = other.position_;
    sequence_ = other.sequence_;
  }
  return *this;
}

namespace {

// The newest valid slot of the ledger open at `fd`.
void load(int fd, uint64_t& sequence, uint64_t& position) {
  char buf[2 * kSlotBytes] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  for (int i = 0; i < 2 && n >= ssize_t((i + 1) * kSlotBytes); ++i) {
    uint64_t seq, pos;
    if (decode(buf + i * kSlotBytes, seq, pos) && seq >= sequence) {
      sequence = seq;
      position = pos;
    }
  }
}

}  // namespace

Result<Ledger> Ledger::open(const std::string& path) {
  Ledger l;
  l.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (l.fd_ < 0) return Error(fmt::format("{}: cannot open: {}", path, strerror(errno)));
  l.path_ = path;
  load(l.fd_, l.sequence_, l.position_);
  // Both slots get their blocks now. store() then only rewrites bytes in place and needs no
  // free space: on a full disk the queue can still record that it was drained and delete the
  // drained segments. A ledger that first needed a block when the disk was already full could
  // never be written, so no segment would ever be deleted and the disk would stay full.
  struct stat st {};
  if (::fstat(l.fd_, &st) != 0 || st.st_size < off_t(2 * kSlotBytes)) {
    char slots[2 * kSlotBytes];
    encode(slots, l.sequence_, l.position_);
    encode(slots + kSlotBytes, l.sequence_, l.position_);
    if (::pwrite(l.fd_, slots, sizeof slots, 0) != ssize_t(sizeof slots) ||
        ::fdatasync(l.fd_) != 0) {
      return Error(fmt::format("{}: cannot write the ledger's {} bytes: {}", path, sizeof slots,
                               strerror(errno)));
    }
  }
  return l;
}

uint64_t Ledger::read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint64_t sequence = 0, position = 0;
  load(fd, sequence, position);
  ::close(fd);
  return position;
}

Status Ledger::store(uint64_t position, bool sync) {
  char slot[kSlotBytes];
  uint64_t seq = sequence_ + 1;
  encode(slot, seq, position);
  off_t at = off_t((seq % 2) * kSlotBytes);
  if (::pwrite(fd_, slot, kSlotBytes, at) != ssize_t(kSlotBytes)) {
    return Error(fmt::format("{}: cannot write: {}", path_, strerror(errno)));
  }
  if (sync && ::fdatasync(fd_) != 0) {
    return Error(fmt::format("{}: fdatasync failed: {}", path_, strerror(errno)));
  }
  sequence_ = seq;
  position_ = position;
  return {};
}

}  // namespace sluice

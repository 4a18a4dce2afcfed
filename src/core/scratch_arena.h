#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice {

// Memory for the strings that functions produce while one line renders (std.tolower, regsub,
// concatenation...). Blocks are kept across renders and reset() only rewinds, so a steady stream
// of lines allocates nothing. Blocks never move, so a string_view handed out stays valid until
// the next reset(); that is the lifetime contract every caller relies on.
class ScratchArena {
 public:
  static constexpr size_t kBlockSize = 64 * 1024;

  // Reserves n bytes and returns a pointer the caller fills; the bytes live until reset().
  char* allocate(size_t n) {
    if (blocks_.empty() || used_ + n > blocks_[current_].size) next_block(n);
    char* p = blocks_[current_].data.get() + used_;
    used_ += n;
    return p;
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Gives back the unused tail of the most recent allocation of `reserved` bytes, of which
  // only `used` were written. Lets callers reserve a worst case and keep what they need.
  void shrink_last(size_t reserved, size_t used) { used_ -= reserved - used; }

  void reset() {
    current_ = 0;
    used_ = 0;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };

  void next_block(size_t n) {
    // Try the blocks already owned before growing; a block too small for n is skipped.
    while (!blocks_.empty() && current_ + 1 < blocks_.size()) {
      ++current_;
      used_ = 0;
      if (blocks_[current_].size >= n) return;
    }
    size_t size = n > kBlockSize ? n : kBlockSize;
    blocks_.push_back(Block{std::make_unique<char[]>(size), size});
    current_ = blocks_.size() - 1;
    used_ = 0;
  }

  std::vector<Block> blocks_;
  size_t current_ = 0;
  size_t used_ = 0;
};

}  // namespace sluice

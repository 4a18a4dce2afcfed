#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Rendered lines moving between threads as one unit: one contiguous byte buffer and the end
// offset of each line. Work crosses threads in batches, never a line at a time, and a batch is
// reused after it is emptied, so a steady stream does not allocate.
class LineBatch {
 public:
  void add(std::string_view line) {
    bytes_.append(line);
    ends_.push_back(uint32_t(bytes_.size()));
  }
  // Lets the caller render straight into the buffer: append to bytes(), then commit_line().
  std::string& bytes() { return bytes_; }
  void commit_line() { ends_.push_back(uint32_t(bytes_.size())); }
  // Drops what was appended to bytes() since the last committed line.
  void discard_uncommitted() { bytes_.resize(ends_.empty() ? 0 : ends_.back()); }

  [[nodiscard]] size_t size() const { return ends_.size(); }
  [[nodiscard]] bool empty() const { return ends_.empty(); }
  [[nodiscard]] size_t byte_size() const { return ends_.empty() ? 0 : ends_.back(); }
  [[nodiscard]] std::string_view line(size_t i) const {
    uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  // Bytes of lines [0, n).
  [[nodiscard]] size_t bytes_before(size_t n) const { return n == 0 ? 0 : ends_[n - 1]; }

  // Removes the first n lines (used when a queue accepted only part of a batch).
  void drop_front(size_t n);
  void clear() {
    bytes_.clear();
    ends_.clear();
  }
  void swap(LineBatch& other) noexcept {
    bytes_.swap(other.bytes_);
    ends_.swap(other.ends_);
  }

 private:
  std::string bytes_;
  std::vector<uint32_t> ends_;
};

inline void LineBatch::drop_front(size_t n) {
  if (n == 0) return;
  if (n >= ends_.size()) {
    clear();
    return;
  }
  uint32_t cut = ends_[n - 1];
  bytes_.erase(0, cut);
  ends_.erase(ends_.begin(), ends_.begin() + long(n));
  for (uint32_t& e : ends_) e -= cut;
}

}  // namespace sluice

#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace sluice {

// Deals accepted connections out over the ingest loops, round robin. Each loop is one
// io_context run by one thread, so a connection's reads, decoding, rendering and queue pushes
// stay on one core and need no lock, and the loops share no scheduler: one io_context run by
// many threads serialises them on its own mutex and epoll descriptor, which stops scaling well
// before 16 cores. A single connection therefore uses at most one core; the rate of one source
// grows with its number of connections.
class LoopPicker {
 public:
  explicit LoopPicker(std::vector<boost::asio::io_context*> loops) : loops_(std::move(loops)) {}

  boost::asio::io_context& next() {
    return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
  }

 private:
  std::vector<boost::asio::io_context*> loops_;
  std::atomic<size_t> next_{0};
};

// The loop for the next accepted connection: from `loops`, or `listener_loop` without them.
inline boost::asio::io_context& connection_loop(LoopPicker* loops,
                                                boost::asio::io_context& listener_loop) {
  return loops != nullptr ? loops->next() : listener_loop;
}

}  // namespace sluice

#include "delivery/dead_letter.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/log.h"

namespace sluice {
namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(size_t(n));
  }
  return true;
}

// One line of text per line, control bytes escaped (a line's ESC or CR must not reach a
// terminal, nor forge a line of sluice's own log).
std::string lines_text(std::span<const LineBatch* const> batches) {
  std::string out;
  for (const LineBatch* b : batches) {
    for (size_t i = 0; i < b->size(); ++i) {
      append_log_escaped(out, b->line(i));
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace

DeadLetter::DeadLetter(std::string service_id, std::string endpoint)
    : service_id_(std::move(service_id)), endpoint_(std::move(endpoint)) {}

void DeadLetter::write(std::span<const LineBatch* const> batches, std::string_view reason) {
  // A header naming the endpoint, then the lines as they were (escaped).
  std::string header =
      fmt::format("sluice: dead letter: service \"{}\" endpoint \"{}\": ", service_id_, endpoint_);
  append_log_escaped(header, reason);
  header += '\n';
  write_all(2, header + lines_text(batches));
}

}  // namespace sluice

#include "sinks/dead_letter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

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

std::string lines_text(std::span<const LineBatch* const> batches) {
  std::string out;
  for (const LineBatch* b : batches) {
    for (size_t i = 0; i < b->size(); ++i) {
      out.append(b->line(i));
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace

std::string path_component(std::string_view name) {
  if (name == "." || name == "..") return name == "." ? "%2E" : "%2E%2E";
  std::string out;
  for (char c : name) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
    if (safe) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out.empty() ? "%" : out;
}

DeadLetter::DeadLetter(std::string storage_dir, std::string service_id, std::string endpoint)
    : service_id_(std::move(service_id)), endpoint_(std::move(endpoint)) {
  if (!storage_dir.empty()) {
    dir_ = storage_dir + "/" + path_component(service_id_) + "/" + path_component(endpoint_);
    path_ = dir_ + "/dead_letter.log";
  }
}

std::string DeadLetter::write(std::span<const LineBatch* const> batches, std::string_view reason) {
  std::string text = lines_text(batches);
  std::string problem;
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      bool ok = write_all(fd, text);
      ok = ::close(fd) == 0 && ok;
      if (ok) return path_;
      problem = fmt::format("writing {} failed ({}); ", path_, std::strerror(errno));
    } else {
      problem = fmt::format("opening {} failed ({}); ", path_, std::strerror(errno));
    }
  }
  // stderr: a header naming the endpoint, then the lines as they were.
  std::string header = fmt::format("sluice: dead letter: service \"{}\" endpoint \"{}\": {}\n",
                                   service_id_, endpoint_, reason);
  write_all(2, header + text);
  return problem + "stderr";
}

}  // namespace sluice

#include "queue/disk/queue_dir.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace sluice {

std::string escape_path_name(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (c == '.' && i > 0);
    if (plain) {
      out += char(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out.empty() ? "%" : out;
}

std::string unescape_path_name(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned value = 0;
    if (name[i] == '%' && i + 2 < name.size() &&
        std::from_chars(name.data() + i + 1, name.data() + i + 3, value, 16).ptr ==
            name.data() + i + 3) {
      out += char(value);
      i += 2;
    } else if (name[i] != '%') {
      out += name[i];
    }
  }
  return out;
}

std::string endpoint_queue_dir(const std::string& storage_dir, std::string_view service_id,
                               std::string_view endpoint) {
  return fmt::format("{}/{}/{}", storage_dir, escape_path_name(service_id),
                     escape_path_name(endpoint));
}

std::string segment_path(const std::string& dir, uint64_t id) {
  return fmt::format("{}/{:020}.seg", dir, id);
}

std::vector<uint64_t> list_segments(const std::string& dir) {
  std::vector<uint64_t> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 24 || name.substr(20) != ".seg") continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    ids.push_back(std::stoull(name.substr(0, 20)));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  return {};
}

}  // namespace sluice

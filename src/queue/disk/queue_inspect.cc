#include "queue/disk/queue_inspect.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "queue/disk/ledger.h"
#include "queue/disk/queue_dir.h"
#include "queue/disk/recovery.h"

namespace sluice {
namespace {

bool is_queue_dir(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p / "ledger", ec) || !list_segments(p.string()).empty();
}

}  // namespace

Result<QueueReport> inspect_endpoint_queue(const std::string& dir) {
  QueueReport r;
  r.dir = dir;
  std::filesystem::path p(dir);
  r.endpoint = unescape_path_name(p.filename().string());
  r.service = unescape_path_name(p.parent_path().filename().string());
  uint64_t frontier = Ledger::read(dir + "/ledger");
  std::vector<uint64_t> ids = list_segments(dir);
  for (size_t i = 0; i < ids.size(); ++i) {
    uint64_t id = ids[i];
    std::string path = segment_path(dir, id);
    if (id < position_segment(frontier)) {
      auto scan = scan_segment(path, 0, false);
      if (!scan) return scan.error();
      r.acked_kept_records += scan->lines;
      ++r.acked_kept_segments;
      continue;
    }
    uint64_t from = id == position_segment(frontier) ? position_offset(frontier) : 0;
    auto scan = scan_segment(path, from, i + 1 == ids.size());
    if (!scan) return scan.error();
    ++r.segments;
    r.records += scan->lines;
    r.bytes += scan->payload_bytes;
    if (r.oldest_ms == 0) r.oldest_ms = scan->oldest_ms;
    r.damaged_regions += scan->damaged_regions;
    r.damaged_bytes += scan->damaged_bytes;
    r.torn_tail = r.torn_tail || scan->torn;
  }
  std::string dead = dir + "/dead";
  for (uint64_t id : list_segments(dead)) {
    auto scan = scan_segment(segment_path(dead, id), 0, false);
    if (!scan) return scan.error();
    r.dead_letter_records += scan->lines;
  }
  return r;
}

Result<std::vector<QueueReport>> inspect_storage_dir(const std::string& dir) {
  std::vector<QueueReport> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error(fmt::format("{}: not a directory", dir));
  }
  std::vector<std::filesystem::path> queues;
  if (is_queue_dir(dir)) {
    queues.emplace_back(dir);
  } else {
    for (const auto& service : std::filesystem::directory_iterator(dir, ec)) {
      if (!service.is_directory()) continue;
      std::error_code ec2;
      for (const auto& endpoint : std::filesystem::directory_iterator(service.path(), ec2)) {
        if (endpoint.is_directory() && is_queue_dir(endpoint.path()))
          queues.push_back(endpoint.path());
      }
    }
  }
  std::sort(queues.begin(), queues.end());
  for (const auto& q : queues) {
    auto r = inspect_endpoint_queue(q.string());
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace sluice

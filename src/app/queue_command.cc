#include "app/queue_command.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "config/config_loader.h"
#include "core/time_util.h"
#include "queue/disk/disk_queue.h"
#include "queue/disk/queue_dir.h"
#include "queue/disk/queue_inspect.h"
#include "queue/disk/queue_replay.h"
#include "queue/disk/recovery.h"

namespace sluice {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string age(uint64_t oldest_ms) {
  if (oldest_ms == 0) return "-";
  double s = double(std::max<int64_t>(0, now_ms() - int64_t(oldest_ms))) / 1000;
  if (s < 120) return fmt::format("{:.1f}s", s);
  if (s < 7200) return fmt::format("{:.1f}m", s / 60);
  return fmt::format("{:.1f}h", s / 3600);
}

int inspect(const std::string& dir) {
  auto reports = inspect_storage_dir(dir);
  if (!reports) {
    fmt::print(stderr, "sluice queue inspect: {}\n", reports.error().message());
    return 1;
  }
  if (reports->empty()) {
    fmt::print("{}: no endpoint queues\n", dir);
    return 0;
  }
  for (const QueueReport& r : *reports) {
    fmt::print(
        "service \"{}\" endpoint \"{}\": records {} bytes {} oldest_age {} segments {} "
        "acked_kept {} dead_letter {} corrupt {} ({} bytes) torn_tail {}\n",
        r.service, r.endpoint, r.records, r.bytes, age(r.oldest_ms), r.segments,
        r.acked_kept_records, r.dead_letter_records, r.damaged_regions, r.damaged_bytes,
        r.torn_tail ? "yes" : "no");
  }
  return 0;
}

// RFC 3339, or a duration back from now: "90s", "15m", "2h", "1d".
bool parse_from(const std::string& text, uint64_t& ms) {
  int64_t usec = 0;
  if (parse_rfc3339(text, usec)) {
    ms = uint64_t(std::max<int64_t>(0, usec / 1000));
    return true;
  }
  if (text.size() < 2) return false;
  char unit = text.back();
  int64_t per = unit == 's' ? 1000 : unit == 'm' ? 60000 : unit == 'h' ? 3600000 : 86400000;
  if (unit != 's' && unit != 'm' && unit != 'h' && unit != 'd') return false;
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9' || n > (int64_t(1) << 40)) return false;
    n = n * 10 + (c - '0');
  }
  ms = uint64_t(std::max<int64_t>(0, now_ms() - n * per));
  return true;
}

struct ReplayArgs {
  std::string endpoint;  // SERVICE/ENDPOINT
  std::string from = "0s";
  std::string config;
  std::string dir;
  bool dead_letter = false;
};

int replay(const ReplayArgs& a) {
  uint64_t from_ms = 0;
  if (a.from != "0s" && !parse_from(a.from, from_ms)) {
    fmt::print(stderr,
               "sluice queue replay: --from \"{}\": expected an RFC 3339 time "
               "(2026-11-21T08:00:00Z) or a duration back from now (15m, 2h, 1d)\n",
               a.from);
    return 2;
  }
  auto slash = a.endpoint.find('/');
  if (slash == std::string::npos) {
    fmt::print(stderr, "sluice queue replay: \"{}\": expected SERVICE/ENDPOINT\n", a.endpoint);
    return 2;
  }
  std::string service = a.endpoint.substr(0, slash), name = a.endpoint.substr(slash + 1);
  DiskQueueOptions o;
  std::string storage = a.dir;
  if (!a.config.empty()) {
    auto config = load_config_file(a.config);
    if (!config) {
      fmt::print(stderr, "{}\n", config.error().message());
      return 1;
    }
    if (config->storage.dir.empty()) {
      fmt::print(stderr, "sluice queue replay: {} has no [storage] dir\n", a.config);
      return 1;
    }
    storage = config->storage.dir;
    o.segment_bytes = config->storage.segment_bytes;
    const ServiceConfig* svc = config->service(service);
    const EndpointConfig* ec = nullptr;
    for (const auto& e : svc ? svc->endpoints : std::vector<EndpointConfig>{}) {
      if (e.name == name) ec = &e;
    }
    if (ec == nullptr) {
      fmt::print(stderr, "sluice queue replay: {} has no endpoint \"{}\" in service \"{}\"\n",
                 a.config, name, service);
      return 1;
    }
    o.max_bytes = ec->max_bytes;
    o.keep_acked = ec->keep_acked;
  } else {
    o.max_bytes = UINT64_MAX;
    o.keep_acked = UINT64_MAX;  // replay must not delete what it was not asked to
  }
  o.dir = endpoint_queue_dir(storage, service, name);
  o.when_full = WhenFull::kBlock;
  o.fsync = FsyncMode::kAlways;
  std::error_code ec;
  if (!std::filesystem::is_directory(o.dir, ec)) {
    fmt::print(stderr, "sluice queue replay: {}: no queue for service \"{}\" endpoint \"{}\"\n",
               o.dir, service, name);
    return 1;
  }
  std::string queue_dir = o.dir;
  auto queue = open_disk_queue(o);
  if (!queue) {
    fmt::print(stderr, "sluice queue replay: {} (stop sluice before replaying)\n",
               queue.error().message());
    return 1;
  }
  // Re-append the selected records at the end of the queue, in batches: memory stays bounded.
  LineBatch batch;
  uint64_t replayed = 0;
  bool full = false;
  auto push = [&] {
    if (batch.empty() || full) return;
    size_t n = batch.size();
    PushResult r = (*queue)->push(batch);
    replayed += r.accepted;
    if (r.accepted < n) full = true;
    batch.clear();
  };
  auto add = [&](std::string_view line, uint64_t) {
    batch.add(line);
    if (batch.size() >= 1000) push();
  };
  std::vector<std::string> replayed_dead;
  if (a.dead_letter) {
    std::string dead = queue_dir + "/dead";
    for (uint64_t id : list_segments(dead)) {
      std::string path = segment_path(dead, id);
      auto scan = scan_segment(path, 0, false, [&](uint64_t, const RecordView& r) {
        if (r.time_ms >= from_ms) add(r.payload, r.time_ms);
        return !full;
      });
      if (!scan) {
        fmt::print(stderr, "sluice queue replay: {}\n", scan.error().message());
        return 1;
      }
      push();
      if (!full) replayed_dead.push_back(path);
    }
  } else {
    auto visited = visit_acked_records(queue_dir, from_ms, add);
    if (!visited) {
      fmt::print(stderr, "sluice queue replay: {}\n", visited.error().message());
      return 1;
    }
    push();
  }
  // Durable before anything is removed or reported.
  (*queue)->when_durable([] {});
  queue->reset();
  for (const std::string& path : replayed_dead) std::filesystem::remove(path, ec);
  fmt::print("service \"{}\" endpoint \"{}\": {} record(s) re-queued from {}{}\n", service, name,
             replayed, a.dead_letter ? "the dead-letter segments" : "acknowledged segments",
             full ? " (stopped: the queue is full)" : "");
  return full ? 1 : 0;
}

}  // namespace

void add_queue_command(CLI::App& app, int& exit_code) {
  CLI::App* queue = app.add_subcommand("queue", "Look into and re-send from the disk queues.");
  queue->require_subcommand(1);

  auto dir = std::make_shared<std::string>();
  CLI::App* ins = queue->add_subcommand(
      "inspect",
      "Print, per endpoint queue under DIR (the [storage] dir, or one endpoint's directory): "
      "unacknowledged records and bytes, the oldest record's age, segments, acknowledged records "
      "kept for replay, dead letters, and damage the next start will skip or cut off. Read-only; "
      "safe while sluice runs.");
  ins->add_option("DIR", *dir, "The storage dir")->required();
  ins->callback([dir, &exit_code] { exit_code = inspect(*dir); });

  auto args = std::make_shared<ReplayArgs>();
  CLI::App* rep = queue->add_subcommand(
      "replay",
      "Re-send what is still on disk: append the acknowledged records kept by keep_acked (or, "
      "with --dead-letter, the dead letters) appended at or after --from to the end of the "
      "endpoint's queue; the next `sluice run` delivers them. sluice must be stopped (the queue "
      "is locked while it runs).");
  rep->add_option("ENDPOINT", args->endpoint, "SERVICE/ENDPOINT")->required();
  rep->add_option("--from", args->from,
                  "RFC 3339 time (2026-11-21T08:00:00Z) or a duration back from now (15m, 2h)");
  rep->add_option("-c,--config", args->config, "The configuration (for [storage] dir)");
  rep->add_option("--dir", args->dir, "The storage dir, instead of --config");
  rep->add_flag("--dead-letter", args->dead_letter, "Replay the dead-letter segments instead");
  rep->callback([args, &exit_code] {
    if (args->config.empty() == args->dir.empty()) {
      fmt::print(stderr, "sluice queue replay: give exactly one of --config and --dir\n");
      exit_code = 2;
      return;
    }
    exit_code = replay(*args);
  });
}

}  // namespace sluice

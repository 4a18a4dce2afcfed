#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/line_rules.h"
#include "core/log.h"
#include "format/log_format.h"
#include "queue/queue_policy.h"
#include "sinks/sink_settings.h"

namespace sluice {

// The object model of sluice.toml. Field names are Fastly's wherever Fastly has the concept
// (DESIGN "Object model"). Everything here has been validated by the loader: formats and
// conditions compile, names resolve, values are in range.

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  // An IPv6 literal in brackets, as `listen` and URLs write it: "[::1]:8686".
  [[nodiscard]] std::string to_string() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
  }
};

enum class SourceType : uint8_t { kSyslog, kHttp, kStdin, kFastly };
enum class Transport : uint8_t { kTcp, kUdp, kTls };
// What a source's payloads are: decided per message (auto), or forced.
enum class PayloadKind : uint8_t { kAuto, kLog, kRecord };

// How a Fastly HTTPS logging endpoint frames its batches (its json_format): 0 lines, 1 a JSON
// array, 2 NDJSON. kAuto takes a body that is one JSON array as 1 and anything else as 2.
enum class FastlyJsonFormat : uint8_t { kAuto, kLines, kArray, kNdjson };

// The Fastly HTTPS log receiver (source type "fastly").
struct FastlyReceiverConfig {
  // The Fastly service ids whose hex(sha256) the challenge answers; "*" answers any service.
  std::vector<std::string> service_ids;
  std::string endpoint;  // payload "line": the endpoint of `service` the lines go to
  FastlyJsonFormat json_format = FastlyJsonFormat::kAuto;
  bool strip_prefix = true;  // message_type other than blank: remove a syslog prefix if present
  // The Fastly endpoint's custom header (header_name / header_value): when set, a batch without
  // it is refused with 401.
  std::string header_name, header_value;
};

struct SourceConfig {
  SourceType type = SourceType::kSyslog;
  ListenAddress listen;
  Transport transport = Transport::kTcp;
  std::string service;  // service id for request records that arrive here
  PayloadKind payload = PayloadKind::kAuto;
  std::string tls_cert, tls_key;
  uint64_t max_body_bytes = 10 * 1024 * 1024;  // http, fastly
  // TCP sources (syslog tcp/tls, http, fastly): open connections at most; more are closed at
  // once and counted. The engine may lower it to fit RLIMIT_NOFILE (core/fd_limit.h).
  uint64_t max_connections = 4096;
  double idle_timeout_seconds = 600;  // syslog tcp/tls: a connection silent this long is closed
  FastlyReceiverConfig fastly;        // fastly
};

enum class MessageType : uint8_t { kClassic, kLoggly, kLogplex, kBlank };

struct ConditionConfig {
  std::string name;
  std::string statement;
  std::string type = "REQUEST";  // REQUEST, RESPONSE, CACHE: kept for Fastly compatibility
  int64_t priority = 10;
  std::string comment;
};

struct EndpointConfig {
  std::string type;
  std::string name;
  std::string format = R"(%h %l %u %t "%r" %>s %b)";  // Fastly's default
  FormatVersion format_version = FormatVersion::kV2;
  bool placement_none = false;  // placement = "none": no automatic generation
  std::string response_condition;
  MessageType message_type = MessageType::kClassic;
  uint64_t queue_max_bytes = 64ull * 1024 * 1024;
  WhenFull when_full = WhenFull::kBlock;
  // Disk queue ([storage] dir set): the budget of unacknowledged bytes on disk, the fsync mode
  // and what to keep after acknowledgement. Defaults come from [storage].
  uint64_t max_bytes = 1ull << 30;
  FsyncMode fsync = FsyncMode::kInterval;
  uint64_t keep_acked = 0;
  std::shared_ptr<const SinkSettings> settings;  // the type's own fields
  // The type, message_type and type fields as text: equal fingerprints mean the same sink
  // (an activation keeps it), different ones a restart. Set by the loader.
  std::string sink_fingerprint;
};

struct ServiceConfig {
  std::string id;
  std::string name;
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::vector<ConditionConfig> conditions;
  std::vector<EndpointConfig> endpoints;

  [[nodiscard]] const ConditionConfig* condition(std::string_view n) const {
    for (const auto& c : conditions) {
      if (c.name == n) return &c;
    }
    return nullptr;
  }
};

struct ApiConfig {
  bool enabled = true;
  ListenAddress listen{"127.0.0.1", 8686};
  // Host header names the API answers besides its listen address (and localhost on loopback):
  // the names a reverse proxy or DNS gives it. "*" answers any Host. See control/host_check.h.
  std::vector<std::string> allowed_hosts;
};

// [storage]: with `dir` set, every endpoint queue is a disk-backed log (DESIGN "Delivery").
struct StorageConfig {
  std::string dir;
  FsyncMode fsync = FsyncMode::kInterval;
  double fsync_interval_seconds = 0.1;
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  uint64_t max_bytes = 1ull << 30;  // per endpoint, unless the endpoint sets max_bytes
  uint64_t keep_acked = 0;          // bytes of acknowledged segments kept for replay
};

// [security]: the networks sinks may connect to (net/destination_policy.h), as written; the
// loader checks that each parses.
struct SecurityConfig {
  std::vector<std::string> allow_networks;
  std::vector<std::string> deny_networks;
};

inline constexpr uint64_t kDefaultBodyBudget = 256ull * 1024 * 1024;

struct Config {
  ApiConfig api;
  SecurityConfig security;
  std::vector<SourceConfig> sources;
  std::vector<ServiceConfig> services;
  StorageConfig storage;
  double shutdown_grace_seconds = 10;
  unsigned delivery_threads = 0;  // delivery loops; 0: one per core
  // The bytes that HTTP request bodies in progress may hold at once, all HTTP sources together
  // (net/body_budget.h): read, decoded, being ingested. Past it requests are answered 503.
  uint64_t body_budget = kDefaultBodyBudget;
  LogLevel log_level = LogLevel::kInfo;
  std::string source_name;  // the file it came from, for messages
  // What loads but deserves a look, one message per line worded like an error (a format's
  // variable that VCL does not have): `sluice check` prints them, `sluice run` logs them.
  std::vector<std::string> warnings;

  [[nodiscard]] const ServiceConfig* service(std::string_view id) const {
    for (const auto& s : services) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
};

}  // namespace sluice

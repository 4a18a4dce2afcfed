#include "config/config_loader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "config/table_reader.h"
#include "core/did_you_mean.h"
#include "core/host_name.h"
#include "core/log.h"
#include "format/condition.h"
#include "format/variable_check.h"
#include "net/ip_network.h"
#include "sinks/sink_type.h"

namespace sluice {
namespace {

constexpr std::string_view kDefaultConfig = R"toml(# sluice's embedded default configuration.
[api]
listen = "127.0.0.1:8686"

[[source]]
type = "syslog"
listen = "127.0.0.1:5140"
protocol = "tcp"
service = "default"

[[source]]
type = "syslog"
listen = "127.0.0.1:5140"
protocol = "udp"
service = "default"

[[source]]
type = "http"
listen = "127.0.0.1:8080"

[[service]]
id = "default"
name = "default"

  [[service.logging]]
  type = "stdout"
  name = "stdout"
  format = '%h %l %u %t "%r" %>s %b'
  message_type = "blank"
)toml";

std::optional<ListenAddress> parse_listen(TableReader& r, std::string_view key, bool required) {
  auto text = r.string(key, required);
  if (!text) return std::nullopt;
  size_t colon = text->rfind(':');
  if (colon == std::string::npos || colon == 0) {
    r.error(key, fmt::format("\"{}\" is not HOST:PORT", *text));
    return std::nullopt;
  }
  std::string host = text->substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(text->c_str() + colon + 1, &end, 10);
  if (end == text->c_str() + colon + 1 || *end != '\0' || port < 0 || port > 65535) {
    r.error(key, fmt::format("\"{}\" has no valid port (0-65535)", *text));
    return std::nullopt;
  }
  return ListenAddress{host, uint16_t(port)};
}

void read_api(const toml::table* t, Config& config, ConfigErrors& errors) {
  if (t == nullptr) return;
  TableReader r(*t, "[api]", errors);
  if (auto listen = parse_listen(r, "listen", false)) config.api.listen = *listen;
  if (auto enabled = r.boolean("enabled")) config.api.enabled = *enabled;
  if (auto hosts = r.strings("allowed_hosts")) {
    for (const std::string& host : *hosts) {
      if (host == "*") continue;  // any Host: the check is off
      if (host.find('*') != std::string::npos) {
        r.error("allowed_hosts",
                fmt::format("\"{}\": wildcards are not supported: list each name, or \"*\" "
                            "alone to answer any Host",
                            host));
      } else if (auto parsed = parse_host_name(host); !parsed) {
        r.error("allowed_hosts", parsed.error().message());
      }
    }
    config.api.allowed_hosts = std::move(*hosts);
  }
  r.finish();
}

void read_security(const toml::table* t, Config& config, ConfigErrors& errors) {
  if (t == nullptr) return;
  TableReader r(*t, "[security]", errors);
  for (auto [key, list] : {std::pair{"allow_networks", &config.security.allow_networks},
                           std::pair{"deny_networks", &config.security.deny_networks}}) {
    auto networks = r.strings(key);
    if (!networks) continue;
    for (const std::string& text : *networks) {
      if (auto parsed = IpNetwork::parse(text); !parsed) r.error(key, parsed.error().message());
    }
    *list = std::move(*networks);
  }
  r.finish();
}

// Fastly defaults request_max_bytes to 100 MB, so that is what a receiver takes by default.
constexpr uint64_t kFastlyDefaultMaxBody = 100ull * 1024 * 1024;

void read_fastly_receiver(TableReader& r, SourceConfig& s) {
  FastlyReceiverConfig& f = s.fastly;
  s.max_body_bytes = kFastlyDefaultMaxBody;
  if (auto b = r.bytes("max_body_bytes", 1024, 1ull << 30)) s.max_body_bytes = *b;
  if (auto svc = r.string("service", true)) s.service = *svc;
  if (auto ids = r.strings("fastly_service_ids")) {
    f.service_ids = *ids;
    if (f.service_ids.empty()) {
      r.error("fastly_service_ids", "is empty: list the Fastly service ids to accept, or \"*\"");
    }
    for (const std::string& id : f.service_ids) {
      if (id.empty() || id.find_first_of(" \t\r\n") != std::string::npos) {
        r.error("fastly_service_ids",
                fmt::format("\"{}\" is not a service id (no spaces, not empty)", id));
      }
    }
  } else {
    r.error("fastly_service_ids",
            "is required: the Fastly service ids whose challenge this receiver answers, or \"*\"");
  }
  s.payload = PayloadKind::kRecord;
  if (auto p = r.choice("payload", {"record", "line"})) {
    s.payload = *p == "record" ? PayloadKind::kRecord : PayloadKind::kLog;
  }
  if (auto e = r.string("endpoint")) f.endpoint = *e;
  if (s.payload == PayloadKind::kLog && f.endpoint.empty()) {
    r.error("endpoint", "is required with payload = \"line\": the endpoint the lines go to");
  }
  if (auto j = r.choice("json_format", {"auto", "0", "1", "2"})) {
    f.json_format = *j == "auto" ? FastlyJsonFormat::kAuto
                    : *j == "0"  ? FastlyJsonFormat::kLines
                    : *j == "1"  ? FastlyJsonFormat::kArray
                                 : FastlyJsonFormat::kNdjson;
  }
  if (auto m = r.choice("message_type", {"auto", "classic", "loggly", "logplex", "blank"})) {
    f.strip_prefix = *m != "blank";
  }
  if (auto n = r.string("header_name")) f.header_name = *n;
  if (auto v = r.string("header_value")) f.header_value = *v;
  if (f.header_name.empty() != f.header_value.empty()) {
    r.error(f.header_name.empty() ? "header_value" : "header_name",
            "header_name and header_value go together");
  }
}

void read_sources(const toml::array* sources, Config& config, ConfigErrors& errors) {
  if (sources == nullptr) return;
  size_t index = 0;
  for (const toml::node& node : *sources) {
    ++index;
    TableReader r(*node.as_table(), fmt::format("source #{}", index), errors);
    SourceConfig s;
    auto type = r.choice("type", {"syslog", "http", "stdin", "fastly"});
    if (!type) {
      if (!node.as_table()->contains("type"))
        r.error("type", "is required (syslog, http, fastly or stdin)");
      r.finish();
      continue;
    }
    s.type = *type == "syslog"   ? SourceType::kSyslog
             : *type == "http"   ? SourceType::kHttp
             : *type == "fastly" ? SourceType::kFastly
                                 : SourceType::kStdin;
    if (s.type != SourceType::kStdin) {
      if (auto listen = parse_listen(r, "listen", true)) s.listen = *listen;
      if (auto c = r.string("tls_cert")) s.tls_cert = *c;
      if (auto k = r.string("tls_key")) s.tls_key = *k;
      if (auto n = r.integer("max_connections", 1, 1 << 20)) s.max_connections = uint64_t(*n);
    }
    if (s.type == SourceType::kSyslog) {
      if (auto t = r.seconds("idle_timeout", 1, 86400)) s.idle_timeout_seconds = *t;
      if (auto p = r.choice("protocol", {"tcp", "udp", "tls"})) {
        s.transport = *p == "tcp"   ? Transport::kTcp
                      : *p == "udp" ? Transport::kUdp
                                    : Transport::kTls;
      }
      if (s.transport == Transport::kTls && (s.tls_cert.empty() || s.tls_key.empty())) {
        r.error("protocol", "\"tls\" needs tls_cert and tls_key");
      }
    } else if (s.type != SourceType::kStdin && s.tls_cert.empty() != s.tls_key.empty()) {
      // http and fastly serve HTTPS when both are set.
      r.error(s.tls_cert.empty() ? "tls_key" : "tls_cert", "tls_cert and tls_key go together");
    }
    if (s.type == SourceType::kHttp) {
      if (auto b = r.bytes("max_body_bytes", 1024, 1ull << 30)) s.max_body_bytes = *b;
    }
    if (s.type == SourceType::kFastly) {
      read_fastly_receiver(r, s);
    } else if (s.type != SourceType::kHttp) {
      if (auto svc = r.string("service")) s.service = *svc;
      if (auto p = r.choice("payload", {"auto", "log", "record"})) {
        s.payload = *p == "auto"  ? PayloadKind::kAuto
                    : *p == "log" ? PayloadKind::kLog
                                  : PayloadKind::kRecord;
      }
    }
    r.finish();
    config.sources.push_back(std::move(s));
  }
}

std::string endpoint_context(const ServiceConfig& svc, std::string_view name) {
  return fmt::format("service \"{}\" endpoint \"{}\"", svc.id, name);
}

std::optional<FsyncMode> read_fsync(TableReader& r) {
  auto f = r.choice("fsync", {"always", "interval", "never"});
  if (!f) return std::nullopt;
  return *f == "always"     ? FsyncMode::kAlways
         : *f == "interval" ? FsyncMode::kInterval
                            : FsyncMode::kNever;
}

// What the running sink is built from: the type, the framing and the type's settings as the
// type prints them (defaults resolved, in a fixed order). Two versions of an endpoint with the
// same fingerprint share a sink across an activation; a different one restarts it.
std::string sink_fingerprint(const SinkType& type, const EndpointConfig& e) {
  std::ostringstream text;
  text << e.type << '\n' << int(e.message_type) << '\n';
  if (e.settings) text << print_settings(type, *e.settings, /*redact_secrets=*/false);
  return text.str();
}

// "the name is used twice" with where both uses are, for the `key` of table `t` among `tables`.
std::string used_twice(const toml::table& t, const toml::array& tables, std::string_view key,
                       std::string_view value, std::string_view context, std::string_view scope) {
  const toml::node* node = t.get(key);
  return fmt::format("{}{}: the {} is used twice{} (first on line {})",
                     source_prefix(node != nullptr ? *node : t), context, key, scope,
                     first_line_with(tables, key, value));
}

void read_endpoint(const toml::table& t, const toml::array& siblings, ServiceConfig& svc,
                   size_t index, const StorageConfig& storage, ConfigErrors& errors) {
  std::string name;
  if (auto n = t.get("name"); n != nullptr && n->is_string()) name = *n->value<std::string>();
  TableReader r(t,
                name.empty() ? fmt::format("service \"{}\" logging #{}", svc.id, index)
                             : endpoint_context(svc, name),
                errors);
  EndpointConfig e;
  if (auto n = r.string("name", true)) e.name = *n;
  std::vector<std::string_view> type_names;
  for (const SinkType* st : sink_types()) type_names.push_back(st->name);
  auto type = r.choice("type", type_names);
  if (!type && !t.contains("type")) r.error("type", "is required");
  if (auto f = r.string("format")) e.format = *f;
  if (auto v = r.integer("format_version", 1, 2)) e.format_version = FormatVersion(*v);
  if (auto p = r.string("placement")) {
    if (*p == "none") {
      e.placement_none = true;
    } else if (!p->empty() && *p != "null") {
      r.error("placement",
              fmt::format("\"{}\" is not supported: use \"none\" or leave it out", *p));
    }
  }
  if (auto c = r.string("response_condition")) e.response_condition = *c;
  auto message_type = r.choice("message_type", {"classic", "loggly", "logplex", "blank"});
  if (auto b = r.bytes("queue_max_bytes", 64 * 1024, 1ull << 40)) e.queue_max_bytes = *b;
  if (auto w = r.choice("when_full", {"block", "drop_newest", "drop_oldest"})) {
    e.when_full = *w == "block"         ? WhenFull::kBlock
                  : *w == "drop_newest" ? WhenFull::kDropNewest
                                        : WhenFull::kDropOldest;
  }
  // The disk queue's settings: defaults from [storage], meaningless without a storage dir.
  e.max_bytes = storage.max_bytes;
  e.fsync = storage.fsync;
  e.keep_acked = storage.keep_acked;
  for (std::string_view key : {"max_bytes", "fsync", "keep_acked"}) {
    if (storage.dir.empty() && t.contains(key)) {
      r.error(key, "needs a disk queue: set [storage] dir");
      r.known(key);  // reported once, not again as unknown
    }
  }
  if (!storage.dir.empty()) {
    if (auto b = r.bytes("max_bytes", 64 * 1024, 1ull << 50)) e.max_bytes = *b;
    if (auto f = read_fsync(r)) e.fsync = *f;
    if (auto k = r.bytes("keep_acked", 0, 1ull << 50)) e.keep_acked = *k;
  }

  // Compile now so that a mistake is reported at load, with its column.
  auto format = LogFormat::compile(e.format, e.format_version);
  if (!format) r.error("format", format.error().message());
  if (format) {
    for (const std::string& w : check_variables(*format)) r.warning("format", w);
  }
  if (!e.response_condition.empty() && svc.condition(e.response_condition) == nullptr) {
    std::vector<std::string_view> names;
    for (const auto& c : svc.conditions) names.push_back(c.name);
    std::string hint = closest_match(e.response_condition, names);
    r.error("response_condition",
            fmt::format("no condition named \"{}\" in this service{}", e.response_condition,
                        hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
  }
  if (type) {
    e.type = *type;
    const SinkType* sink_type = find_sink_type(e.type);
    e.settings = sink_type->parse(r);
    std::string_view m =
        message_type ? std::string_view(*message_type) : sink_type->default_message_type;
    e.message_type = m == "classic"   ? MessageType::kClassic
                     : m == "loggly"  ? MessageType::kLoggly
                     : m == "logplex" ? MessageType::kLogplex
                                      : MessageType::kBlank;
  }
  r.finish();
  if (e.name.empty() || !type) return;
  e.sink_fingerprint = sink_fingerprint(*find_sink_type(e.type), e);
  for (const auto& other : svc.endpoints) {
    if (other.name == e.name) {
      errors.add(used_twice(t, siblings, "name", e.name, endpoint_context(svc, e.name),
                            " in this service"));
      return;
    }
  }
  svc.endpoints.push_back(std::move(e));
}

void read_services(const toml::array* services, Config& config, ConfigErrors& errors) {
  if (services == nullptr) return;
  size_t index = 0;
  for (const toml::node& node : *services) {
    ++index;
    const toml::table& t = *node.as_table();
    std::string id;
    if (auto n = t.get("id"); n != nullptr && n->is_string()) id = *n->value<std::string>();
    TableReader r(
        t, id.empty() ? fmt::format("service #{}", index) : fmt::format("service \"{}\"", id),
        errors);
    ServiceConfig svc;
    if (auto v = r.string("id", true)) svc.id = *v;
    if (auto v = r.string("name")) svc.name = *v;
    if (svc.name.empty()) svc.name = svc.id;
    if (auto v = r.integer("max_line_bytes", 1024, int64_t(kLargeMaxLineBytes)))
      svc.max_line_bytes = size_t(*v);
    if (const toml::array* conditions = r.tables("condition")) {
      size_t ci = 0;
      for (const toml::node& cn : *conditions) {
        ++ci;
        const toml::table& ct = *cn.as_table();
        std::string cname;
        if (auto n = ct.get("name"); n != nullptr && n->is_string())
          cname = *n->value<std::string>();
        TableReader cr(ct,
                       fmt::format("service \"{}\" condition {}", svc.id,
                                   cname.empty() ? fmt::format("#{}", ci) : "\"" + cname + "\""),
                       errors);
        ConditionConfig c;
        if (auto v = cr.string("name", true)) c.name = *v;
        if (auto v = cr.string("statement", true)) c.statement = *v;
        if (auto v = cr.choice("type", {"REQUEST", "RESPONSE", "CACHE", "PREFETCH"})) c.type = *v;
        if (auto v = cr.integer("priority", 0, 1000000)) c.priority = *v;
        if (auto v = cr.string("comment")) c.comment = *v;
        if (!c.statement.empty()) {
          auto compiled = Condition::compile(c.statement);
          if (!compiled) cr.error("statement", compiled.error().message());
          if (compiled) {
            for (const std::string& w : check_variables(compiled->expression()))
              cr.warning("statement", w);
          }
        }
        cr.finish();
        if (!c.name.empty()) {
          if (svc.condition(c.name) != nullptr) {
            errors.add(used_twice(ct, *conditions, "name", c.name,
                                  fmt::format("service \"{}\" condition \"{}\"", svc.id, c.name),
                                  ""));
          } else {
            svc.conditions.push_back(std::move(c));
          }
        }
      }
    }
    if (const toml::array* endpoints = r.tables("logging")) {
      size_t ei = 0;
      for (const toml::node& en : *endpoints)
        read_endpoint(*en.as_table(), *endpoints, svc, ++ei, config.storage, errors);
    }
    r.finish();
    if (svc.id.empty()) continue;
    if (config.service(svc.id) != nullptr) {
      errors.add(used_twice(t, *services, "id", svc.id, fmt::format("service \"{}\"", svc.id), ""));
      continue;
    }
    config.services.push_back(std::move(svc));
  }
}

void check_sources(Config& config, ConfigErrors& errors) {
  std::set<std::pair<std::string, int>> bound;  // (host:port, tcp=0/udp=1)
  size_t index = 0;
  for (const SourceConfig& s : config.sources) {
    ++index;
    if (!s.service.empty() && config.service(s.service) == nullptr) {
      std::vector<std::string_view> ids;
      for (const auto& svc : config.services) ids.push_back(svc.id);
      std::string hint = closest_match(s.service, ids);
      errors.add(fmt::format("source #{} field \"service\": no service with id \"{}\"{}", index,
                             s.service,
                             hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
    }
    const ServiceConfig* svc = config.service(s.service);
    if (s.type == SourceType::kFastly && svc != nullptr && !s.fastly.endpoint.empty() &&
        std::none_of(svc->endpoints.begin(), svc->endpoints.end(),
                     [&](const EndpointConfig& ep) { return ep.name == s.fastly.endpoint; })) {
      errors.add(fmt::format("source #{} field \"endpoint\": service \"{}\" has no endpoint \"{}\"",
                             index, s.service, s.fastly.endpoint));
    }
    if (s.type == SourceType::kStdin) continue;
    int proto = s.type == SourceType::kSyslog && s.transport == Transport::kUdp ? 1 : 0;
    if (s.listen.port != 0 && !bound.insert({s.listen.to_string(), proto}).second) {
      errors.add(fmt::format("source #{} field \"listen\": {} is already used by another source",
                             index, s.listen.to_string()));
    }
  }
}

}  // namespace

Result<Config> load_config_string(std::string_view text, std::string source_name) {
  toml::table root;
  try {
    // toml++ reports syntax errors by exception; loading is not the data path.
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}:{}:{}: {}", source_name, where.line,
                                                          where.column, e.description()));
  }
  Config config;
  config.source_name = source_name;
  ConfigErrors errors;
  TableReader r(root, "", errors);
  read_api(r.table("api"), config, errors);
  read_security(r.table("security"), config, errors);
  if (const toml::table* storage = r.table("storage")) {
    TableReader sr(*storage, "[storage]", errors);
    if (auto dir = sr.string("dir")) {
      if (dir->empty()) sr.error("dir", "must not be empty (leave it out for memory queues)");
      config.storage.dir = *dir;
    }
    if (auto f = read_fsync(sr)) config.storage.fsync = *f;
    if (auto i = sr.seconds("fsync_interval", 0.001, 60))
      config.storage.fsync_interval_seconds = *i;
    // Offsets inside a segment are 32-bit (see queue_dir.h): at most 1 GiB per segment.
    if (auto b = sr.bytes("segment_bytes", 64 * 1024, 1ull << 30))
      config.storage.segment_bytes = *b;
    if (auto b = sr.bytes("max_bytes", 64 * 1024, 1ull << 50)) config.storage.max_bytes = *b;
    if (auto k = sr.bytes("keep_acked", 0, 1ull << 50)) config.storage.keep_acked = *k;
    sr.finish();
  }
  if (auto g = r.seconds("shutdown_grace", 0, 3600)) config.shutdown_grace_seconds = *g;
  if (auto n = r.integer("delivery_threads", 0, 256)) config.delivery_threads = unsigned(*n);
  if (auto b = r.bytes("body_budget", 1024 * 1024, 1ull << 40)) config.body_budget = *b;
  if (auto l = r.choice("log_level", {"error", "warn", "info", "debug"})) {
    config.log_level = parse_log_level(*l).value();
  }
  read_services(r.tables("service"), config, errors);
  read_sources(r.tables("source"), config, errors);
  r.finish();
  check_sources(config, errors);
  // Valid, but almost always a mistake (the wrong file, or a file emptied by accident): sluice
  // would run and do nothing without a word.
  if (config.services.empty()) {
    errors.add_warning(
        fmt::format("{}: no [[service]]: nothing will be delivered (add one and "
                    "reload with SIGHUP)",
                    source_name));
  }
  if (config.sources.empty()) {
    errors.add_warning(fmt::format("{}: no [[source]]: nothing will be received", source_name));
  }
  if (!errors.empty()) return Error(ErrorCode::kInvalidArgument, errors.joined());
  config.warnings = std::move(errors.warnings());
  return config;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("{}: cannot read the file: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_config_string(ss.str(), path);
}

std::string_view default_config_text() {
  return kDefaultConfig;
}

}  // namespace sluice

#include "format/vcl_variables.h"

#include <array>
#include <iterator>
#include <vector>

#include "core/did_you_mean.h"
#include "core/variable.h"

namespace sluice {
namespace {

using enum VclType;

// Fastly's VCL variables, from its reference (developer.fastly.com/reference/vcl/variables/,
// by category), with the types it documents; cross-checked against the variable list of the
// falco VCL linter. Variables that only make sense in code and never in a log line are left
// out: math.* constants, the *.headers objects, LF. sluice's derived variables (core/variable.h)
// are all here under their Fastly names. Types are VCL's: time.start.sec and its kin are
// STRING in VCL, though sluice prints them as numbers either way.
constexpr VclVariable kVariables[] = {
    // Client request.
    {"req.body", kString},
    {"req.body.base64", kString},
    {"req.body_bytes_read", kInteger},
    {"req.bytes_read", kInteger},
    {"req.customer_id", kString},
    {"req.digest", kString},
    {"req.digest.ratio", kFloat},
    {"req.enable_range_on_pass", kBool},
    {"req.enable_segmented_caching", kBool},
    {"req.esi", kBool},
    {"req.esi_level", kInteger},
    {"req.grace", kRTime},
    {"req.hash", kString},
    {"req.hash_always_miss", kBool},
    {"req.hash_ignore_busy", kBool},
    {"req.header_bytes_read", kInteger},
    {"req.is_background_fetch", kBool},
    {"req.is_clustering", kBool},
    {"req.is_esi_subreq", kBool},
    {"req.is_ipv6", kBool},
    {"req.is_purge", kBool},
    {"req.is_ssl", kBool},
    {"req.max_stale_if_error", kRTime},
    {"req.max_stale_while_revalidate", kRTime},
    {"req.method", kString},
    {"req.postbody", kString},
    {"req.proto", kString},
    {"req.protocol", kString},
    {"req.request", kString},
    {"req.restarts", kInteger},
    {"req.service_id", kString},
    {"req.topurl", kString},
    {"req.url", kString},
    {"req.url.basename", kString},
    {"req.url.dirname", kString},
    {"req.url.ext", kString},
    {"req.url.path", kString},
    {"req.url.qs", kString},
    {"req.vcl", kString},
    {"req.vcl.generation", kInteger},
    {"req.vcl.md5", kString},
    {"req.vcl.version", kInteger},
    {"req.xid", kString},
    // The backend a request went to.
    {"req.backend", kBackend},
    {"req.backend.healthy", kBool},
    {"req.backend.ip", kIp},
    {"req.backend.is_cluster", kBool},
    {"req.backend.is_origin", kBool},
    {"req.backend.is_shield", kBool},
    {"req.backend.name", kString},
    {"req.backend.port", kInteger},
    // Client response.
    {"resp.body_bytes_written", kInteger},
    {"resp.bytes_written", kInteger},
    {"resp.completed", kBool},
    {"resp.header_bytes_written", kInteger},
    {"resp.is_locally_generated", kBool},
    {"resp.proto", kString},
    {"resp.response", kString},
    {"resp.stale", kBool},
    {"resp.stale.is_error", kBool},
    {"resp.stale.is_revalidating", kBool},
    {"resp.status", kInteger},
    // Backend request.
    {"bereq.between_bytes_timeout", kRTime},
    {"bereq.body_bytes_written", kInteger},
    {"bereq.bytes_written", kInteger},
    {"bereq.connect_timeout", kRTime},
    {"bereq.fetch_timeout", kRTime},
    {"bereq.first_byte_timeout", kRTime},
    {"bereq.header_bytes_written", kInteger},
    {"bereq.is_clustering", kBool},
    {"bereq.max_reuse_idle_time", kRTime},
    {"bereq.method", kString},
    {"bereq.proto", kString},
    {"bereq.request", kString},
    {"bereq.url", kString},
    {"bereq.url.basename", kString},
    {"bereq.url.dirname", kString},
    {"bereq.url.ext", kString},
    {"bereq.url.path", kString},
    {"bereq.url.qs", kString},
    // Backend response.
    {"beresp.backend.alternate_ips", kString},
    {"beresp.backend.ip", kIp},
    {"beresp.backend.name", kString},
    {"beresp.backend.port", kInteger},
    {"beresp.backend.requests", kInteger},
    {"beresp.backend.src_ip", kIp},
    {"beresp.backend.src_port", kInteger},
    {"beresp.brotli", kBool},
    {"beresp.cacheable", kBool},
    {"beresp.do_esi", kBool},
    {"beresp.do_stream", kBool},
    {"beresp.grace", kRTime},
    {"beresp.gzip", kBool},
    {"beresp.handshake_time_to_origin_ms", kInteger},
    {"beresp.hipaa", kBool},
    {"beresp.pci", kBool},
    {"beresp.proto", kString},
    {"beresp.response", kString},
    {"beresp.saintmode", kRTime},
    {"beresp.stale_if_error", kRTime},
    {"beresp.stale_while_revalidate", kRTime},
    {"beresp.status", kInteger},
    {"beresp.ttl", kRTime},
    {"beresp.used_alternate_path_to_origin", kBool},
    // Cache object.
    {"obj.age", kRTime},
    {"obj.cacheable", kBool},
    {"obj.entered", kRTime},
    {"obj.grace", kRTime},
    {"obj.hits", kInteger},
    {"obj.is_pci", kBool},
    {"obj.lastuse", kRTime},
    {"obj.proto", kString},
    {"obj.response", kString},
    {"obj.stale_if_error", kRTime},
    {"obj.stale_while_revalidate", kRTime},
    {"obj.status", kInteger},
    {"obj.ttl", kRTime},
    {"stale.exists", kBool},
    // Client connection.
    {"client.identity", kString},
    {"client.ip", kIp},
    {"client.port", kInteger},
    {"client.requests", kInteger},
    {"client.sess_timeout", kRTime},
    {"client.socket.congestion_algorithm", kString},
    {"client.socket.cwnd", kInteger},
    {"client.socket.nexthop", kIp},
    {"client.socket.pace", kInteger},
    {"client.socket.ploss", kFloat},
    {"client.socket.tcp_info", kBool},
    {"client.socket.tcpi_advmss", kInteger},
    {"client.socket.tcpi_bytes_acked", kInteger},
    {"client.socket.tcpi_bytes_received", kInteger},
    {"client.socket.tcpi_data_segs_in", kInteger},
    {"client.socket.tcpi_data_segs_out", kInteger},
    {"client.socket.tcpi_delivery_rate", kInteger},
    {"client.socket.tcpi_delta_retrans", kInteger},
    {"client.socket.tcpi_last_data_sent", kInteger},
    {"client.socket.tcpi_max_pacing_rate", kInteger},
    {"client.socket.tcpi_min_rtt", kInteger},
    {"client.socket.tcpi_notsent_bytes", kInteger},
    {"client.socket.tcpi_pacing_rate", kInteger},
    {"client.socket.tcpi_pmtu", kInteger},
    {"client.socket.tcpi_rcv_mss", kInteger},
    {"client.socket.tcpi_rcv_rtt", kInteger},
    {"client.socket.tcpi_rcv_space", kInteger},
    {"client.socket.tcpi_rcv_ssthresh", kInteger},
    {"client.socket.tcpi_reordering", kInteger},
    {"client.socket.tcpi_rtt", kInteger},
    {"client.socket.tcpi_rttvar", kInteger},
    {"client.socket.tcpi_segs_in", kInteger},
    {"client.socket.tcpi_segs_out", kInteger},
    {"client.socket.tcpi_snd_cwnd", kInteger},
    {"client.socket.tcpi_snd_mss", kInteger},
    {"client.socket.tcpi_snd_ssthresh", kInteger},
    {"client.socket.tcpi_total_retrans", kInteger},
    {"fastly_info.edge.is_tls", kBool},
    {"fastly_info.h2.fingerprint", kString},
    {"fastly_info.h2.is_push", kBool},
    {"fastly_info.h2.stream_id", kInteger},
    {"fastly_info.host_header", kString},
    {"fastly_info.is_cluster_edge", kBool},
    {"fastly_info.is_cluster_shield", kBool},
    {"fastly_info.is_h2", kBool},
    {"fastly_info.is_h3", kBool},
    {"fastly_info.request_id", kString},
    {"fastly_info.state", kString},
    {"quic.cc.cwnd", kInteger},
    {"quic.cc.ssthresh", kInteger},
    {"quic.num_bytes.received", kInteger},
    {"quic.num_bytes.sent", kInteger},
    {"quic.num_packets.ack_received", kInteger},
    {"quic.num_packets.decryption_failed", kInteger},
    {"quic.num_packets.late_acked", kInteger},
    {"quic.num_packets.lost", kInteger},
    {"quic.num_packets.received", kInteger},
    {"quic.num_packets.sent", kInteger},
    {"quic.rtt.latest", kInteger},
    {"quic.rtt.minimum", kInteger},
    {"quic.rtt.smoothed", kInteger},
    {"quic.rtt.variance", kInteger},
    {"transport.bw_estimate", kInteger},
    {"transport.type", kString},
    // TLS.
    {"tls.client.certificate.dn", kString},
    {"tls.client.certificate.is_cert_bad", kBool},
    {"tls.client.certificate.is_cert_expired", kBool},
    {"tls.client.certificate.is_cert_missing", kBool},
    {"tls.client.certificate.is_cert_revoked", kBool},
    {"tls.client.certificate.is_cert_unknown", kBool},
    {"tls.client.certificate.is_unknown_ca", kBool},
    {"tls.client.certificate.is_verified", kBool},
    {"tls.client.certificate.issuer_dn", kString},
    {"tls.client.certificate.not_after", kTime},
    {"tls.client.certificate.not_before", kTime},
    {"tls.client.certificate.raw_certificate_b64", kString},
    {"tls.client.certificate.serial_number", kString},
    {"tls.client.cipher", kString},
    {"tls.client.ciphers_list", kString},
    {"tls.client.ciphers_list_sha", kString},
    {"tls.client.ciphers_list_txt", kString},
    {"tls.client.ciphers_sha", kString},
    {"tls.client.handshake_sent_bytes", kInteger},
    {"tls.client.iana_chosen_cipher_id", kInteger},
    {"tls.client.ja3_md5", kString},
    {"tls.client.ja4", kString},
    {"tls.client.protocol", kString},
    {"tls.client.servername", kString},
    {"tls.client.tlsexts_list", kString},
    {"tls.client.tlsexts_list_sha", kString},
    {"tls.client.tlsexts_list_txt", kString},
    {"tls.client.tlsexts_sha", kString},
    // Client device detection.
    {"client.bot.name", kString},
    {"client.browser.name", kString},
    {"client.browser.version", kString},
    {"client.class.bot", kBool},
    {"client.class.browser", kBool},
    {"client.class.checker", kBool},
    {"client.class.downloader", kBool},
    {"client.class.feedreader", kBool},
    {"client.class.filter", kBool},
    {"client.class.masquerading", kBool},
    {"client.class.spam", kBool},
    {"client.display.height", kInteger},
    {"client.display.ppi", kInteger},
    {"client.display.touchscreen", kBool},
    {"client.display.width", kInteger},
    {"client.identified", kBool},
    {"client.os.name", kString},
    {"client.os.version", kString},
    {"client.platform.ereader", kBool},
    {"client.platform.gameconsole", kBool},
    {"client.platform.hwtype", kString},
    {"client.platform.mediaplayer", kBool},
    {"client.platform.mobile", kBool},
    {"client.platform.model", kString},
    {"client.platform.smarttv", kBool},
    {"client.platform.tablet", kBool},
    {"client.platform.tvplayer", kBool},
    {"client.platform.vendor", kString},
    // Geolocation: client.geo and client.as, and the retired geoip.* that older records carry.
    {"client.as.name", kString},
    {"client.as.number", kInteger},
    {"client.geo.area_code", kInteger},
    {"client.geo.city", kString},
    {"client.geo.city.ascii", kString},
    {"client.geo.city.latin1", kString},
    {"client.geo.city.utf8", kString},
    {"client.geo.conn_speed", kString},
    {"client.geo.conn_type", kString},
    {"client.geo.continent_code", kString},
    {"client.geo.country_code", kString},
    {"client.geo.country_code3", kString},
    {"client.geo.country_name", kString},
    {"client.geo.country_name.ascii", kString},
    {"client.geo.country_name.latin1", kString},
    {"client.geo.country_name.utf8", kString},
    {"client.geo.gmt_offset", kInteger},
    {"client.geo.ip_override", kString},
    {"client.geo.latitude", kFloat},
    {"client.geo.longitude", kFloat},
    {"client.geo.metro_code", kInteger},
    {"client.geo.postal_code", kString},
    {"client.geo.proxy_description", kString},
    {"client.geo.proxy_type", kString},
    {"client.geo.region", kString},
    {"client.geo.region.ascii", kString},
    {"client.geo.region.latin1", kString},
    {"client.geo.region.utf8", kString},
    {"client.geo.utc_offset", kInteger},
    {"geoip.area_code", kInteger},
    {"geoip.city", kString},
    {"geoip.city.ascii", kString},
    {"geoip.city.latin1", kString},
    {"geoip.city.utf8", kString},
    {"geoip.continent_code", kString},
    {"geoip.country_code", kString},
    {"geoip.country_code3", kString},
    {"geoip.country_name", kString},
    {"geoip.country_name.ascii", kString},
    {"geoip.country_name.latin1", kString},
    {"geoip.country_name.utf8", kString},
    {"geoip.ip_override", kString},
    {"geoip.latitude", kFloat},
    {"geoip.longitude", kFloat},
    {"geoip.metro_code", kInteger},
    {"geoip.postal_code", kString},
    {"geoip.region", kString},
    {"geoip.region.ascii", kString},
    {"geoip.region.latin1", kString},
    {"geoip.region.utf8", kString},
    {"geoip.use_x_forwarded_for", kBool},
    // Server.
    {"server.billing_region", kString},
    {"server.datacenter", kString},
    {"server.hostname", kString},
    {"server.identity", kString},
    {"server.ip", kIp},
    {"server.pop", kString},
    {"server.port", kInteger},
    {"server.region", kString},
    // Time. sluice derives these from time.start and time.elapsed when a record lacks them.
    {"now", kTime},
    {"now.sec", kString},
    {"time.elapsed", kRTime},
    {"time.elapsed.msec", kString},
    {"time.elapsed.msec_frac", kString},
    {"time.elapsed.sec", kString},
    {"time.elapsed.usec", kString},
    {"time.elapsed.usec_frac", kString},
    {"time.end", kTime},
    {"time.end.msec", kString},
    {"time.end.msec_frac", kString},
    {"time.end.sec", kString},
    {"time.end.usec", kString},
    {"time.end.usec_frac", kString},
    {"time.start", kTime},
    {"time.start.msec", kString},
    {"time.start.msec_frac", kString},
    {"time.start.sec", kString},
    {"time.start.usec", kString},
    {"time.start.usec_frac", kString},
    {"time.to_first_byte", kRTime},
    // Miscellaneous.
    {"fastly.bot.category", kString},
    {"fastly.bot.category.is_accessibility", kBool},
    {"fastly.bot.category.is_ai_crawler", kBool},
    {"fastly.bot.category.is_ai_fetcher", kBool},
    {"fastly.bot.category.is_content_fetcher", kBool},
    {"fastly.bot.category.is_monitoring_and_site_tools", kBool},
    {"fastly.bot.category.is_online_marketing", kBool},
    {"fastly.bot.category.is_page_preview", kBool},
    {"fastly.bot.category.is_platform_integrations", kBool},
    {"fastly.bot.category.is_research", kBool},
    {"fastly.bot.category.is_search_engine_crawler", kBool},
    {"fastly.bot.category.is_search_engine_optimization", kBool},
    {"fastly.bot.category.is_security_tools", kBool},
    {"fastly.bot.category.is_verified", kBool},
    {"fastly.bot.name", kString},
    {"fastly.ddos_detected", kBool},
    {"fastly.error", kString},
    {"fastly.ff.visits_this_pop", kInteger},
    {"fastly.ff.visits_this_pop_this_service", kInteger},
    {"fastly.ff.visits_this_service", kInteger},
    {"fastly.is_staging", kBool},
    {"workspace.bytes_free", kInteger},
    {"workspace.bytes_total", kInteger},
    {"workspace.overflowed", kBool},
    // Backend connections and health; `*` is a backend, director or rate counter name.
    {"backend.conn.is_tls", kBool},
    {"backend.conn.tls_protocol", kString},
    {"backend.socket.congestion_algorithm", kString},
    {"backend.socket.cwnd", kInteger},
    {"backend.socket.tcpi_advmss", kInteger},
    {"backend.socket.tcpi_bytes_acked", kInteger},
    {"backend.socket.tcpi_bytes_received", kInteger},
    {"backend.socket.tcpi_data_segs_in", kInteger},
    {"backend.socket.tcpi_data_segs_out", kInteger},
    {"backend.socket.tcpi_delivery_rate", kInteger},
    {"backend.socket.tcpi_delta_retrans", kInteger},
    {"backend.socket.tcpi_last_data_sent", kInteger},
    {"backend.socket.tcpi_max_pacing_rate", kInteger},
    {"backend.socket.tcpi_min_rtt", kInteger},
    {"backend.socket.tcpi_notsent_bytes", kInteger},
    {"backend.socket.tcpi_pacing_rate", kInteger},
    {"backend.socket.tcpi_pmtu", kInteger},
    {"backend.socket.tcpi_rcv_mss", kInteger},
    {"backend.socket.tcpi_rcv_rtt", kInteger},
    {"backend.socket.tcpi_rcv_space", kInteger},
    {"backend.socket.tcpi_rcv_ssthresh", kInteger},
    {"backend.socket.tcpi_reordering", kInteger},
    {"backend.socket.tcpi_rtt", kInteger},
    {"backend.socket.tcpi_rttvar", kInteger},
    {"backend.socket.tcpi_segs_in", kInteger},
    {"backend.socket.tcpi_segs_out", kInteger},
    {"backend.socket.tcpi_snd_cwnd", kInteger},
    {"backend.socket.tcpi_snd_mss", kInteger},
    {"backend.socket.tcpi_snd_ssthresh", kInteger},
    {"backend.socket.tcpi_total_retrans", kInteger},
    {"backend.*.connections_open", kInteger},
    {"backend.*.connections_used", kInteger},
    {"backend.*.healthy", kBool},
    {"director.*.healthy", kBool},
    {"ratecounter.*.bucket.10s", kInteger},
    {"ratecounter.*.bucket.20s", kInteger},
    {"ratecounter.*.bucket.30s", kInteger},
    {"ratecounter.*.bucket.40s", kInteger},
    {"ratecounter.*.bucket.50s", kInteger},
    {"ratecounter.*.bucket.60s", kInteger},
    {"ratecounter.*.rate.1s", kFloat},
    {"ratecounter.*.rate.10s", kFloat},
    {"ratecounter.*.rate.60s", kFloat},
    // ESI, segmented caching and the legacy WAF, which log in vcl_log.
    {"esi.allow_inside_cdata", kBool},
    {"segmented_caching.autopurged", kBool},
    {"segmented_caching.block_number", kInteger},
    {"segmented_caching.block_size", kInteger},
    {"segmented_caching.cancelled", kBool},
    {"segmented_caching.client_req.is_open_ended", kBool},
    {"segmented_caching.client_req.is_range", kBool},
    {"segmented_caching.client_req.range_high", kInteger},
    {"segmented_caching.client_req.range_low", kInteger},
    {"segmented_caching.completed", kBool},
    {"segmented_caching.error", kString},
    {"segmented_caching.failed", kBool},
    {"segmented_caching.is_inner_req", kBool},
    {"segmented_caching.is_outer_req", kBool},
    {"segmented_caching.obj.complete_length", kInteger},
    {"segmented_caching.rounded_req.range_high", kInteger},
    {"segmented_caching.rounded_req.range_low", kInteger},
    {"segmented_caching.total_blocks", kInteger},
    {"waf.anomaly_score", kInteger},
    {"waf.blocked", kBool},
    {"waf.counter", kInteger},
    {"waf.executed", kBool},
    {"waf.failures", kInteger},
    {"waf.http_violation_score", kInteger},
    {"waf.inbound_anomaly_score", kInteger},
    {"waf.lfi_score", kInteger},
    {"waf.logdata", kString},
    {"waf.logged", kBool},
    {"waf.message", kString},
    {"waf.passed", kBool},
    {"waf.php_injection_score", kInteger},
    {"waf.rce_score", kInteger},
    {"waf.rfi_score", kInteger},
    {"waf.rule_id", kInteger},
    {"waf.session_fixation_score", kInteger},
    {"waf.severity", kInteger},
    {"waf.sql_injection_score", kInteger},
    {"waf.xss_score", kInteger},
};

// Headers: any name after these is a header, which VCL and records both allow.
constexpr std::array<std::string_view, 5> kHeaderPrefixes = {
    "req.http.", "resp.http.", "bereq.http.", "beresp.http.", "obj.http."};

// The first segments VCL owns. A name under one of them that the table lacks is a typo as far
// as VCL is concerned; a name under any other first segment is the user's own record key.
// `math` is left out with its constants (see above), and so is every namespace a record could
// plausibly use for its own fields.
// clang-format off
constexpr std::string_view kNamespaces[] = {
    "req", "resp", "bereq", "beresp", "obj", "stale", "client", "fastly_info", "quic",
    "transport", "tls", "geoip", "server", "now", "time", "fastly", "workspace", "backend",
    "director", "ratecounter", "esi", "segmented_caching", "waf"};
// clang-format on

bool starts_with_folded(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equal_folded(s.substr(0, prefix.size()), prefix);
}

// `pattern` with each `*` segment matching any one non-empty segment of `name`.
bool matches(std::string_view pattern, std::string_view name) {
  while (true) {
    size_t p_dot = pattern.find('.');
    size_t n_dot = name.find('.');
    std::string_view p_seg = pattern.substr(0, p_dot);
    std::string_view n_seg = name.substr(0, n_dot);
    if (p_seg == "*" ? n_seg.empty() : !equal_folded(p_seg, n_seg)) return false;
    if (p_dot == std::string_view::npos || n_dot == std::string_view::npos) {
      return p_dot == std::string_view::npos && n_dot == std::string_view::npos;
    }
    pattern.remove_prefix(p_dot + 1);
    name.remove_prefix(n_dot + 1);
  }
}

bool is_namespace(std::string_view segment) {
  for (std::string_view ns : kNamespaces) {
    if (equal_folded(ns, segment)) return true;
  }
  return false;
}

// What a typo most likely meant: a known variable, or a header under the prefix the name almost
// spells (req.htp.Host: req.http.Host).
std::string suggest(std::string_view name) {
  std::vector<std::string_view> names;
  for (const VclVariable& v : kVariables) {
    if (v.name.find('*') == std::string_view::npos) names.push_back(v.name);
  }
  std::string hint = closest_match(name, names);
  if (!hint.empty()) return hint;
  size_t first = name.find('.');
  size_t second = first == std::string_view::npos ? first : name.find('.', first + 1);
  if (second == std::string_view::npos || second + 1 >= name.size()) return "";
  std::vector<std::string_view> prefixes;
  for (std::string_view p : kHeaderPrefixes) prefixes.push_back(p.substr(0, p.size() - 1));
  std::string prefix = closest_match(name.substr(0, second), prefixes);
  if (prefix.empty()) return "";
  return prefix + std::string(name.substr(second));
}

}  // namespace

std::string_view to_string(VclType type) {
  switch (type) {
    case kString:
      return "STRING";
    case kInteger:
      return "INTEGER";
    case kFloat:
      return "FLOAT";
    case kBool:
      return "BOOL";
    case kTime:
      return "TIME";
    case kRTime:
      return "RTIME";
    case kIp:
      return "IP";
    case kBackend:
      return "BACKEND";
  }
  return "?";
}

std::span<const VclVariable> vcl_variables() {
  return kVariables;
}

const VclVariable* find_vcl_variable(std::string_view name) {
  for (const VclVariable& v : kVariables) {
    bool pattern = v.name.find('*') != std::string_view::npos;
    if (pattern ? matches(v.name, name) : equal_folded(v.name, name)) return &v;
  }
  return nullptr;
}

NameCheck check_variable_name(std::string_view name) {
  NameCheck check;
  if (const VclVariable* v = find_vcl_variable(name)) {
    check.kind = NameKind::kKnown;
    check.variable = v;
    return check;
  }
  for (std::string_view prefix : kHeaderPrefixes) {
    if (name.size() > prefix.size() && starts_with_folded(name, prefix)) {
      check.kind = NameKind::kHeader;
      return check;
    }
  }
  std::string_view first = name.substr(0, name.find('.'));
  if (is_namespace(first)) {
    check.kind = NameKind::kUnknown;
    check.suggestion = suggest(name);
    return check;
  }
  // A first segment one slip away from a VCL namespace (rseq.url, tiem.start) is a typo only
  // when the whole name is also close to a variable: a record's own "geo.city" or "app.status"
  // stays the user's.
  std::vector<std::string_view> namespaces(std::begin(kNamespaces), std::end(kNamespaces));
  if (first.size() < name.size() && !closest_match(first, namespaces).empty()) {
    std::string hint = suggest(name);
    if (!hint.empty()) {
      check.kind = NameKind::kUnknown;
      check.suggestion = std::move(hint);
      return check;
    }
  }
  check.kind = NameKind::kCustom;
  return check;
}

}  // namespace sluice

#include "sinks/syslog/config.h"

#include "config/table_reader.h"

namespace sluice {

void SyslogSinkSettings::print(FieldMap& out) const {
  out.insert_or_assign("address", address);
  out.insert_or_assign("port", int64_t(port));
  if (!token.empty()) out.insert_or_assign("token", token);
  out.insert_or_assign("use_tls", use_tls);
  out.insert_or_assign("tls_hostname", tls_hostname);
  if (!tls_ca_cert.empty()) out.insert_or_assign("tls_ca_cert", tls_ca_cert);
  if (!tls_client_cert.empty()) out.insert_or_assign("tls_client_cert", tls_client_cert);
  if (!tls_client_key.empty()) out.insert_or_assign("tls_client_key", tls_client_key);
  out.insert_or_assign("protocol", udp ? "udp" : "tcp");
  out.insert_or_assign("framing", octet_counting ? "octet_counting" : "lf");
  out.insert_or_assign("max_backoff", max_backoff_seconds);
}

std::shared_ptr<const SinkSettings> parse_syslog_settings(TableReader& r) {
  auto s = std::make_shared<SyslogSinkSettings>();
  auto address = r.string("address");
  auto hostname = r.string("hostname");  // Fastly accepts either
  if (address) {
    s->address = *address;
  } else if (hostname) {
    s->address = *hostname;
  } else {
    r.error("address", "is required (a hostname or IP address)");
  }
  if (auto p = r.integer("port", 1, 65535)) s->port = uint16_t(*p);
  if (auto t = r.string("token")) s->token = *t;
  if (auto t = r.boolean("use_tls")) s->use_tls = *t;
  if (auto t = r.string("tls_hostname")) s->tls_hostname = *t;
  if (auto t = r.string("tls_ca_cert")) s->tls_ca_cert = *t;
  if (auto t = r.string("tls_client_cert")) s->tls_client_cert = *t;
  if (auto t = r.string("tls_client_key")) s->tls_client_key = *t;
  if (s->tls_client_cert.empty() != s->tls_client_key.empty()) {
    r.error("tls_client_cert", "tls_client_cert and tls_client_key go together");
  }
  if (auto p = r.choice("protocol", {"tcp", "udp"})) s->udp = *p == "udp";
  if (s->udp && s->use_tls) r.error("use_tls", "TLS needs protocol \"tcp\"");
  if (auto f = r.choice("framing", {"lf", "octet_counting"}))
    s->octet_counting = *f == "octet_counting";
  if (auto b = r.seconds("max_backoff", 0.1, 3600)) s->max_backoff_seconds = *b;
  if (s->tls_hostname.empty()) s->tls_hostname = s->address;

  return s;
}

}  // namespace sluice

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sinks/sink_settings.h"

namespace sluice {

// Fields of the syslog endpoint (Fastly's names, plus protocol and framing).
struct SyslogSinkSettings : SinkSettings {
  std::string address;
  uint16_t port = 514;
  std::string token;  // prefixed to every line
  bool use_tls = false;
  std::string tls_hostname;  // SNI and certificate name; default: address
  std::string tls_ca_cert, tls_client_cert, tls_client_key;  // PEM text or a file path
  bool udp = false;
  bool octet_counting = false;  // RFC 6587 framing instead of LF
  double max_backoff_seconds = 30;
  void print(FieldMap& out) const override;
};

std::shared_ptr<const SinkSettings> parse_syslog_settings(TableReader& reader);

}  // namespace sluice

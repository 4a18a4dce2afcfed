#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "core/result.h"

namespace sluice {

// A TLS server context (TLS 1.2 and later) from PEM files. The errors name `what` (the source,
// as "syslog 127.0.0.1:6514"), the field and the file: missing, not PEM, or a key that does not
// match the certificate.
[[nodiscard]] Result<std::shared_ptr<boost::asio::ssl::context>> load_server_tls(
    std::string_view what, const std::string& cert_file, const std::string& key_file);

}  // namespace sluice

#include "net/server_tls.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>

namespace sluice {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> load_server_tls(std::string_view what,
                                                      const std::string& cert_file,
                                                      const std::string& key_file) {
  for (const auto& [field, path] : {std::pair{"tls_cert", &cert_file}, {"tls_key", &key_file}}) {
    if (::access(path->c_str(), R_OK) != 0) {
      return Error(
          fmt::format("source {}: {} \"{}\": {}", what, field, *path, std::strerror(errno)));
    }
  }
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (tls->use_certificate_chain_file(cert_file, ec)) {
    return Error(fmt::format("source {}: tls_cert \"{}\" is not a PEM certificate chain: {}", what,
                             cert_file, ec.message()));
  }
  if (tls->use_private_key_file(key_file, ssl::context::pem, ec)) {
    return Error(fmt::format("source {}: tls_key \"{}\" is not a PEM private key: {}", what,
                             key_file, ec.message()));
  }
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return Error(fmt::format("source {}: tls_key \"{}\" does not match tls_cert \"{}\"", what,
                             key_file, cert_file));
  }
  return tls;
}

}  // namespace sluice

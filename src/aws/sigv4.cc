#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <utility>

namespace sluice {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kUpperHexDigits[] = "0123456789ABCDEF";

using Digest = std::array<unsigned char, 32>;

// Overwrites key material before its memory is released.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer() { OPENSSL_cleanse(data_.data(), data_.size()); }
  std::string& get() { return data_; }

 private:
  std::string data_;
};

class ScopedDigest {
 public:
  ScopedDigest() = default;
  ScopedDigest(const ScopedDigest&) = delete;
  ScopedDigest& operator=(const ScopedDigest&) = delete;
  ~ScopedDigest() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  Digest bytes{};
};

std::string to_hex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHexDigits[data[i] >> 4]);
    out.push_back(kHexDigits[data[i] & 0xf]);
  }
  return out;
}

// HMAC-SHA256 of data under key into out. False on an OpenSSL failure.
bool hmac_sha256(const unsigned char* key, size_t key_size, std::string_view data, Digest& out) {
  unsigned int size = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key, static_cast<int>(key_size),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return result != nullptr && size == out.size();
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes every byte but the unreserved ones (and '/' when keep_slash), in uppercase hex.
void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[c >> 4]);
      out.push_back(kUpperHexDigits[c & 0xf]);
    }
  }
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Decodes %HH escapes; a '%' not followed by two hex digits stays literal (and is re-encoded as
// %25). '+' stays '+': SigV4 gives it no special meaning.
std::string percent_decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// RFC 3986 dot-segment removal, with empty segments (runs of '/') dropped too. The result starts
// with '/', and ends with one when the input's last segment was empty, "." or "..".
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::string_view last;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    last = segment;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (!segments.empty() && (last.empty() || last == "." || last == "..")) out.push_back('/');
  return out;
}

char ascii_lower(char ch) {
  return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
}

std::string lowercased(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = ascii_lower(ch);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// RFC 9110 token characters: what a header name and a method may hold.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_header_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

// Whether s has a byte that must not reach a header line: a control character or DEL.
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

// A header value with no control characters but whitespace (which folds).
bool valid_header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && !is_header_space(ch)) || c == 0x7f;
  });
}

// Trims the value and collapses every run of whitespace inside it into one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char ch : value) {
    if (is_header_space(ch)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ch);
  }
  return out;
}

// Region and service go into the credential scope, where '/' and whitespace would break it.
bool valid_scope_part(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return is_unreserved(c);
  });
}

bool is_owned_header(std::string_view lower_name, const Sigv4Config& config) {
  return lower_name == "authorization" || lower_name == "x-amz-date" ||
         lower_name == "x-amz-security-token" ||
         (config.add_content_sha256_header && lower_name == "x-amz-content-sha256");
}

// "20150830T123600Z", or false outside years 0000-9999.
bool format_amz_date(std::chrono::system_clock::time_point time, std::string& out) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
  if (seconds < -62167219200LL || seconds > 253402300799LL) return false;
  auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return false;
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n != 16) return false;
  out.assign(buf, 16);
  return true;
}

Status check_inputs(const Sigv4Request& request, std::span<const HttpHeader> headers,
                    const Sigv4Config& config, const AwsCredentials& credentials) {
  // Messages name what is wrong, never a credential, a header value or a derived key.
  if (credentials.access_key_id.empty()) return Error("sigv4: the access key id is empty");
  if (has_control(credentials.access_key_id) ||
      credentials.access_key_id.find_first_of("/, ") != std::string::npos) {
    return Error("sigv4: the access key id holds characters an access key id cannot hold");
  }
  if (credentials.secret_access_key.empty()) return Error("sigv4: the secret access key is empty");
  if (has_control(credentials.session_token)) {
    return Error("sigv4: the session token holds control characters");
  }
  // Not quoted either: a secret pasted into the wrong field must not leak.
  if (!valid_scope_part(config.region)) {
    return Error("sigv4: the region is empty or holds characters other than A-Z a-z 0-9 - . _ ~");
  }
  if (!valid_scope_part(config.service)) {
    return Error("sigv4: the service is empty or holds characters other than A-Z a-z 0-9 - . _ ~");
  }
  if (!is_token(request.method)) return Error("sigv4: the method is not a valid HTTP method");
  if (has_control(request.path) || request.path.find_first_of("?#") != std::string_view::npos) {
    return Error("sigv4: the path holds control characters, '?' or '#'");
  }
  if (has_control(request.query) || request.query.find('#') != std::string_view::npos) {
    return Error("sigv4: the query holds control characters or '#'");
  }
  if (has_control(request.payload_hash)) {
    return Error("sigv4: the payload hash holds control characters");
  }
  bool has_host = false;
  for (size_t i = 0; i < headers.size(); ++i) {
    // Neither the name nor the value is quoted: a misplaced credential must not leak.
    if (!is_token(headers[i].name)) {
      return Error("sigv4: header #" + std::to_string(i + 1) +
                   " has a name that is not an HTTP token");
    }
    if (!valid_header_value(headers[i].value)) {
      return Error("sigv4: header #" + std::to_string(i + 1) +
                   " has a value with control characters");
    }
    if (iequals(headers[i].name, "host")) has_host = true;
  }
  if (!has_host) return Error("sigv4: the request has no Host header, which must be signed");
  return {};
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  Digest digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    return {};
  }
  return to_hex(digest.data(), digest.size());
}

std::string sigv4_canonical_path(std::string_view path, bool normalize, bool double_encode) {
  std::string base = normalize ? normalized_path(path) : std::string(path.empty() ? "/" : path);
  if (!double_encode) return base;
  std::string out;
  out.reserve(base.size() + 8);
  append_uri_encoded(out, base, /*keep_slash=*/true);
  return out;
}

std::string sigv4_canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(start, end - start);
    start = end + 1;
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    std::pair<std::string, std::string> encoded;
    append_uri_encoded(encoded.first, percent_decoded(name), /*keep_slash=*/false);
    append_uri_encoded(encoded.second, percent_decoded(value), /*keep_slash=*/false);
    params.push_back(std::move(encoded));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name);
    out.push_back('=');
    out.append(value);
  }
  return out;
}

Result<Sigv4Signature> sigv4_sign(const Sigv4Request& request, std::span<const HttpHeader> headers,
                                  const Sigv4Config& config, const AwsCredentials& credentials) {
  if (Status st = check_inputs(request, headers, config, credentials); !st.ok()) return st.error();

  Sigv4Signature sig;
  if (!format_amz_date(config.time, sig.amz_date)) {
    return Error("sigv4: the signing time is outside years 0000-9999");
  }
  std::string_view date = std::string_view(sig.amz_date).substr(0, 8);
  sig.credential_scope = std::string(date) + "/" + config.region + "/" + config.service + "/" +
                         std::string(kTerminator);
  sig.payload_hash = request.payload_hash.empty() ? sha256_hex(request.payload)
                                                  : std::string(request.payload_hash);
  if (sig.payload_hash.empty()) return Error("sigv4: hashing the payload failed");

  // Canonical headers: lowercased names, stable-sorted so values of one name keep their order.
  std::vector<std::pair<std::string, std::string>> canonical;
  canonical.reserve(headers.size() + 3);
  for (const HttpHeader& header : headers) {
    std::string name = lowercased(header.name);
    if (is_owned_header(name, config)) continue;
    canonical.emplace_back(std::move(name), canonical_header_value(header.value));
  }
  canonical.emplace_back("x-amz-date", sig.amz_date);
  if (config.add_content_sha256_header) {
    canonical.emplace_back("x-amz-content-sha256", sig.payload_hash);
  }
  if (credentials.has_session_token() && config.sign_session_token) {
    canonical.emplace_back("x-amz-security-token",
                           canonical_header_value(credentials.session_token));
  }
  std::stable_sort(canonical.begin(), canonical.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string& cr = sig.canonical_request;
  cr.append(request.method);
  cr.push_back('\n');
  cr.append(sigv4_canonical_path(request.path, config.normalize_path, config.double_encode_path));
  cr.push_back('\n');
  cr.append(sigv4_canonical_query(request.query));
  cr.push_back('\n');
  for (size_t i = 0; i < canonical.size(); ++i) {
    bool same_as_previous = i > 0 && canonical[i].first == canonical[i - 1].first;
    if (same_as_previous) {
      cr.push_back(',');  // duplicates join on one line, in the order given
    } else {
      if (i > 0) cr.push_back('\n');
      cr.append(canonical[i].first);
      cr.push_back(':');
      if (!sig.signed_headers.empty()) sig.signed_headers.push_back(';');
      sig.signed_headers.append(canonical[i].first);
    }
    cr.append(canonical[i].second);
  }
  cr.append("\n\n");
  cr.append(sig.signed_headers);
  cr.push_back('\n');
  cr.append(sig.payload_hash);

  std::string canonical_hash = sha256_hex(cr);
  if (canonical_hash.empty()) return Error("sigv4: hashing the canonical request failed");
  sig.string_to_sign = std::string(kAlgorithm) + "\n" + sig.amz_date + "\n" + sig.credential_scope +
                       "\n" + canonical_hash;

  // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
  SecretBuffer secret;
  secret.get() = "AWS4" + credentials.secret_access_key;
  ScopedDigest k1, k2, k3, signing_key, signature;
  bool ok = hmac_sha256(reinterpret_cast<const unsigned char*>(secret.get().data()),
                        secret.get().size(), date, k1.bytes) &&
            hmac_sha256(k1.bytes.data(), k1.bytes.size(), config.region, k2.bytes) &&
            hmac_sha256(k2.bytes.data(), k2.bytes.size(), config.service, k3.bytes) &&
            hmac_sha256(k3.bytes.data(), k3.bytes.size(), kTerminator, signing_key.bytes) &&
            hmac_sha256(signing_key.bytes.data(), signing_key.bytes.size(), sig.string_to_sign,
                        signature.bytes);
  if (!ok) return Error("sigv4: HMAC-SHA256 failed");
  sig.signature = to_hex(signature.bytes.data(), signature.bytes.size());

  sig.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                      sig.credential_scope + ", SignedHeaders=" + sig.signed_headers +
                      ", Signature=" + sig.signature;
  return sig;
}

Result<Sigv4Signature> sigv4_sign_headers(const Sigv4Request& request,
                                          std::vector<HttpHeader>& headers,
                                          const Sigv4Config& config,
                                          const AwsCredentials& credentials) {
  std::vector<HttpHeader> kept;
  kept.reserve(headers.size() + 4);
  for (const HttpHeader& header : headers) {
    if (!is_owned_header(lowercased(header.name), config)) kept.push_back(header);
  }
  Result<Sigv4Signature> sig = sigv4_sign(request, kept, config, credentials);
  if (!sig.ok()) return sig;
  kept.push_back({"X-Amz-Date", sig->amz_date});
  if (config.add_content_sha256_header) kept.push_back({"x-amz-content-sha256", sig->payload_hash});
  if (credentials.has_session_token()) {
    kept.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  kept.push_back({"Authorization", sig->authorization});
  headers = std::move(kept);
  return sig;
}

}  // namespace sluice

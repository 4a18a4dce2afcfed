#pragma once

// AWS Signature Version 4 for requests signed in the Authorization header, on OpenSSL.
//
// The rules followed (and checked against AWS's signing test suite, tests/aws/sigv4_test.cc):
// - path: RFC 3986 dot segments removed and runs of '/' collapsed (unless normalize_path is
//   off, as S3 wants); then percent-encoded once more (unless double_encode_path is off, as S3
//   wants), every byte but A-Z a-z 0-9 - . _ ~ and '/'. An empty path is "/".
// - query: split on '&', each parameter on its first '='; names and values percent-decoded,
//   re-encoded (every byte but the unreserved ones, so a space is %20 and '+' is %2B), and
//   sorted by name, then value; a parameter without '=' gets an empty value.
// - headers: names lowercased and sorted; values trimmed and each run of whitespace (space,
//   tab, CR, LF, so folded multi-line values too) collapsed into one space; headers of the same
//   name joined with ',' in the order given. Every header given is signed, plus X-Amz-Date,
//   X-Amz-Security-Token when there is a session token, and x-amz-content-sha256 on request.
// - the signing key is HMAC-SHA256 chained over "AWS4" + secret, date, region, service,
//   "aws4_request".
//
// Secrets (the secret key, the session token and keys derived from them) never appear in an
// error message. The session token does appear in the canonical request, as AWS defines it:
// treat a Sigv4Signature as confidential and do not log its canonical_request.

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "core/result.h"

namespace sluice {

struct HttpHeader {
  std::string name;
  std::string value;
};

// What is signed of a request besides its headers.
struct Sigv4Request {
  std::string_view method = {};  // "GET", "POST"...
  std::string_view path = {};    // as sent on the wire, without the query; empty means "/"
  std::string_view query = {};   // as sent on the wire, after the '?'; may be empty
  std::string_view payload = {};
  // A precomputed payload hash used as is (lowercase hex SHA-256, or a literal such as
  // "UNSIGNED-PAYLOAD"); empty: the SHA-256 of payload is computed.
  std::string_view payload_hash = {};
};

struct Sigv4Config {
  std::string region;   // "us-east-1"
  std::string service;  // "kinesis"
  std::chrono::system_clock::time_point time;
  bool normalize_path = true;      // S3: false
  bool double_encode_path = true;  // S3: false
  // Adds and signs x-amz-content-sha256 with the payload hash (S3 requires it).
  bool add_content_sha256_header = false;
  // With a session token: whether X-Amz-Security-Token is signed (the default, what most
  // services want) or only added to the request after signing (a few services want that).
  bool sign_session_token = true;
};

struct Sigv4Signature {
  std::string amz_date;          // "20150830T123600Z": the X-Amz-Date value
  std::string credential_scope;  // "20150830/us-east-1/kinesis/aws4_request"
  std::string payload_hash;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header value
};

// Signs a request whose headers are `headers` (they must include Host). Headers the signer owns
// (Authorization, X-Amz-Date, X-Amz-Security-Token, and x-amz-content-sha256 when
// add_content_sha256_header is set) are ignored if present: the signer's values replace them.
[[nodiscard]] Result<Sigv4Signature> sigv4_sign(const Sigv4Request& request,
                                                std::span<const HttpHeader> headers,
                                                const Sigv4Config& config,
                                                const AwsCredentials& credentials);

// Signs and adds the headers the signature needs to `headers`: X-Amz-Date, x-amz-content-sha256
// (when configured), X-Amz-Security-Token (when there is a session token) and Authorization.
// Copies of those already present (from an earlier attempt) are removed first, so a request can
// be re-signed for a retry. On error, `headers` is left unchanged.
[[nodiscard]] Result<Sigv4Signature> sigv4_sign_headers(const Sigv4Request& request,
                                                        std::vector<HttpHeader>& headers,
                                                        const Sigv4Config& config,
                                                        const AwsCredentials& credentials);

// Building blocks, exposed for tests and for callers that hash a payload once.
[[nodiscard]] std::string sha256_hex(std::string_view data);
[[nodiscard]] std::string sigv4_canonical_path(std::string_view path, bool normalize,
                                               bool double_encode);
[[nodiscard]] std::string sigv4_canonical_query(std::string_view query);

}  // namespace sluice

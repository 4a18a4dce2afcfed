// SigV4 against AWS's signing test suite (the v4 cases of awslabs/aws-c-auth's
// aws-signing-test-suite, in ../shared/testdata/aws-sigv4/). Each case folder holds
//   context.json                  credentials, region, service, time, normalize, sign_body
//   request.txt                   the request before signing
//   header-canonical-request.txt  the expected canonical request
//   header-string-to-sign.txt     the expected string to sign
//   header-signature.txt          the expected signature
//   header-signed-request.txt     the request with the headers signing adds
// and a case passes when all four match byte for byte. The query-* files (presigned URLs) are
// not used: sluice signs in the Authorization header only.
#include "aws/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace sluice {
namespace {

namespace fs = std::filesystem;

fs::path suite_root() {
  return fs::path(SLUICE_SHARED_DIR) / "testdata" / "aws-sigv4";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> suite_cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(suite_root(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A request as the suite writes it: request line, headers (a line starting with whitespace
// continues the previous header's value), a blank line, the body.
struct ParsedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<HttpHeader> headers;
  std::string body;
};

bool parse_request(const std::string& text, ParsedRequest& out) {
  size_t head_end = text.find("\n\n");
  std::string head = head_end == std::string::npos ? text : text.substr(0, head_end);
  if (head_end != std::string::npos) out.body = text.substr(head_end + 2);
  std::vector<std::string> lines;
  std::istringstream in(head);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  if (lines.empty()) return false;
  // "GET /example space/ HTTP/1.1": the target may hold spaces.
  const std::string& request_line = lines[0];
  size_t first = request_line.find(' ');
  size_t last = request_line.rfind(' ');
  if (first == std::string::npos || last == first) return false;
  out.method = request_line.substr(0, first);
  std::string target = request_line.substr(first + 1, last - first - 1);
  size_t q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string::npos) out.query = target.substr(q + 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (out.headers.empty()) return false;
      out.headers.back().value += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    out.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return true;
}

std::chrono::system_clock::time_point parse_utc(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  EXPECT_EQ(std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
            6)
      << text;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct SuiteCase {
  ParsedRequest request;
  Sigv4Config config;
  AwsCredentials credentials;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  ParsedRequest signed_request;
};

bool load_case(const std::string& name, SuiteCase& c) {
  fs::path dir = suite_root() / name;
  simdjson::dom::parser parser;
  simdjson::dom::element context;
  std::string json = read_file(dir / "context.json");
  if (auto error = parser.parse(json).get(context)) {
    ADD_FAILURE() << name << ": context.json: " << simdjson::error_message(error);
    return false;
  }
  std::string_view text;
  bool flag = false;
  if (context["credentials"]["access_key_id"].get(text)) return false;
  c.credentials.access_key_id = text;
  if (context["credentials"]["secret_access_key"].get(text)) return false;
  c.credentials.secret_access_key = text;
  if (!context["credentials"]["token"].get(text)) c.credentials.session_token = text;
  if (context["region"].get(text)) return false;
  c.config.region = text;
  if (context["service"].get(text)) return false;
  c.config.service = text;
  if (context["timestamp"].get(text)) return false;
  c.config.time = parse_utc(text);
  if (!context["normalize"].get(flag)) c.config.normalize_path = flag;
  if (!context["sign_body"].get(flag)) c.config.add_content_sha256_header = flag;
  if (!context["omit_session_token"].get(flag)) c.config.sign_session_token = !flag;

  if (!parse_request(read_file(dir / "request.txt"), c.request)) return false;
  if (!parse_request(read_file(dir / "header-signed-request.txt"), c.signed_request)) return false;
  c.canonical_request = read_file(dir / "header-canonical-request.txt");
  c.string_to_sign = read_file(dir / "header-string-to-sign.txt");
  c.signature = read_file(dir / "header-signature.txt");
  return !c.canonical_request.empty() && !c.string_to_sign.empty() && !c.signature.empty();
}

Sigv4Request view_of(const ParsedRequest& r) {
  return Sigv4Request{.method = r.method, .path = r.path, .query = r.query, .payload = r.body};
}

std::string authorization_of(const std::vector<HttpHeader>& headers) {
  for (const HttpHeader& h : headers) {
    if (h.name == "Authorization") return h.value;
  }
  return {};
}

// Headers as a sorted multiset of (lowercased name, value): the order of the headers signing
// adds is not part of the signature.
std::vector<std::pair<std::string, std::string>> header_set(const std::vector<HttpHeader>& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const HttpHeader& header : h) {
    std::string name = header.name;
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.emplace_back(name, header.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Sigv4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(Sigv4Suite, MatchesCanonicalRequestStringToSignAndSignature) {
  SuiteCase c;
  ASSERT_TRUE(load_case(GetParam(), c)) << "cannot read case " << GetParam();
  Result<Sigv4Signature> sig =
      sigv4_sign(view_of(c.request), c.request.headers, c.config, c.credentials);
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->canonical_request, c.canonical_request);
  EXPECT_EQ(sig->string_to_sign, c.string_to_sign);
  EXPECT_EQ(sig->signature, c.signature);
  EXPECT_EQ(sig->authorization, authorization_of(c.signed_request.headers));
}

TEST_P(Sigv4Suite, AddsTheHeadersOfTheSignedRequest) {
  SuiteCase c;
  ASSERT_TRUE(load_case(GetParam(), c)) << "cannot read case " << GetParam();
  std::vector<HttpHeader> headers = c.request.headers;
  Result<Sigv4Signature> sig =
      sigv4_sign_headers(view_of(c.request), headers, c.config, c.credentials);
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(header_set(headers), header_set(c.signed_request.headers));
  // Signing again (a retry) replaces the added headers instead of duplicating them.
  Result<Sigv4Signature> again =
      sigv4_sign_headers(view_of(c.request), headers, c.config, c.credentials);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->signature, c.signature);
  EXPECT_EQ(header_set(headers), header_set(c.signed_request.headers));
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Sigv4Suite);
INSTANTIATE_TEST_SUITE_P(Aws, Sigv4Suite, ::testing::ValuesIn(suite_cases()), case_name);

// The suite lives outside the repository: a missing folder is a failure, not a skip, or the
// cases above would silently not run.
TEST(Sigv4SuiteData, IsPresentAndComplete) {
  ASSERT_TRUE(fs::is_directory(suite_root())) << suite_root() << " is missing";
  std::vector<std::string> names = suite_cases();
  EXPECT_GE(names.size(), 38u);
  for (const char* want :
       {"get-vanilla", "get-header-value-multiline", "get-utf8", "get-vanilla-query-order-encoded",
        "get-vanilla-with-session-token", "post-sts-header-after", "post-sts-header-before",
        "post-x-www-form-urlencoded-parameters", "get-slashes-unnormalized"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

// ---- unit tests that need no test data ---------------------------------------------------------

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

Sigv4Config vanilla_config() {
  Sigv4Config config;
  config.region = "us-east-1";
  config.service = "service";
  config.time = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30T12:36:00Z
  return config;
}

AwsCredentials vanilla_credentials(std::string token = "") {
  return AwsCredentials{"AKIDEXAMPLE", kSecret, std::move(token)};
}

const std::vector<HttpHeader> kHostOnly = {{"Host", "example.amazonaws.com"}};

TEST(Sigv4, SignsTheSessionToken) {
  // The get-vanilla-with-session-token case, spelled out.
  std::vector<HttpHeader> headers = kHostOnly;
  Result<Sigv4Signature> sig = sigv4_sign_headers({.method = "GET", .path = "/"}, headers,
                                                  vanilla_config(), vanilla_credentials(kToken));
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_NE(sig->canonical_request.find(std::string("\nx-amz-security-token:") + kToken + "\n"),
            std::string::npos);
  EXPECT_EQ(sig->signature, "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  EXPECT_EQ(sig->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[1].name, "X-Amz-Date");
  EXPECT_EQ(headers[1].value, "20150830T123600Z");
  EXPECT_EQ(headers[2].name, "X-Amz-Security-Token");
  EXPECT_EQ(headers[2].value, kToken);
  EXPECT_EQ(headers[3].name, "Authorization");
  EXPECT_EQ(headers[3].value, sig->authorization);
}

TEST(Sigv4, UnsignedSessionTokenIsStillSent) {
  Sigv4Config config = vanilla_config();
  config.sign_session_token = false;
  std::vector<HttpHeader> headers = kHostOnly;
  Result<Sigv4Signature> sig = sigv4_sign_headers({.method = "GET", .path = "/"}, headers, config,
                                                  vanilla_credentials(kToken));
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->signed_headers, "host;x-amz-date");
  // Same as get-vanilla: the token takes no part in the signature.
  EXPECT_EQ(sig->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(header_set(headers).size(), 4u);
  EXPECT_NE(std::find_if(headers.begin(), headers.end(),
                         [](const HttpHeader& h) {
                           return h.name == "X-Amz-Security-Token" && h.value == kToken;
                         }),
            headers.end());
}

TEST(Sigv4, WithoutATokenNoTokenHeader) {
  std::vector<HttpHeader> headers = kHostOnly;
  headers.push_back({"x-amz-security-token", "stale"});  // left from other credentials
  Result<Sigv4Signature> sig = sigv4_sign_headers({.method = "GET", .path = "/"}, headers,
                                                  vanilla_config(), vanilla_credentials());
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  for (const HttpHeader& h : headers) EXPECT_NE(h.name, "x-amz-security-token");
  EXPECT_EQ(headers.size(), 3u);
}

TEST(Sigv4, CanonicalQuery) {
  EXPECT_EQ(sigv4_canonical_query(""), "");
  EXPECT_EQ(sigv4_canonical_query("b=2&a=1"), "a=1&b=2");
  EXPECT_EQ(sigv4_canonical_query("a=2&a=1"), "a=1&a=2");
  EXPECT_EQ(sigv4_canonical_query("flag&&x="), "flag=&x=");
  EXPECT_EQ(sigv4_canonical_query("k=a b+c"), "k=a%20b%2Bc");
  EXPECT_EQ(sigv4_canonical_query("k=a%20b%2bc"), "k=a%20b%2Bc");
  EXPECT_EQ(sigv4_canonical_query("k=%7E%2F%zz%"), "k=~%2F%25zz%25");
  EXPECT_EQ(sigv4_canonical_query("k=a=b"), "k=a%3Db");
}

TEST(Sigv4, CanonicalPath) {
  EXPECT_EQ(sigv4_canonical_path("", true, true), "/");
  EXPECT_EQ(sigv4_canonical_path("", false, true), "/");
  // Double encoding, for every service but S3: what is already encoded is encoded again.
  EXPECT_EQ(sigv4_canonical_path("/a%20b/c d", true, true), "/a%2520b/c%20d");
  EXPECT_EQ(sigv4_canonical_path("/a%20b/./c", false, false), "/a%20b/./c");
  EXPECT_EQ(sigv4_canonical_path("/a/b/../c/./d/", true, true), "/a/c/d/");
  EXPECT_EQ(sigv4_canonical_path("/a/b/..", true, true), "/a/");
  EXPECT_EQ(sigv4_canonical_path("/../..", true, true), "/");
  EXPECT_EQ(sigv4_canonical_path("/stream:name", true, true), "/stream%3Aname");
}

TEST(Sigv4, PrecomputedPayloadHashIsUsedAsIs) {
  Sigv4Config config = vanilla_config();
  config.add_content_sha256_header = true;
  std::vector<HttpHeader> headers = kHostOnly;
  Result<Sigv4Signature> sig = sigv4_sign_headers(
      {.method = "PUT", .path = "/k", .payload = "ignored", .payload_hash = "UNSIGNED-PAYLOAD"},
      headers, config, vanilla_credentials());
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_TRUE(sig->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(sig->canonical_request.find("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"),
            std::string::npos);
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sigv4, SignerOwnedHeadersInTheInputAreIgnored) {
  std::vector<HttpHeader> headers = kHostOnly;
  headers.push_back({"Authorization", "old"});
  headers.push_back({"X-Amz-Date", "19990101T000000Z"});
  Result<Sigv4Signature> sig =
      sigv4_sign({.method = "GET", .path = "/"}, headers, vanilla_config(), vanilla_credentials());
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// Everything a signing call returns or reports, as strings: on success the signature and the
// headers after signing; on failure the message (the caller's headers are left as they were).
std::vector<std::string> outputs(const Result<Sigv4Signature>& sig,
                                 const std::vector<HttpHeader>& headers) {
  if (!sig.ok()) return {sig.error().message()};
  std::vector<std::string> out = {sig->amz_date,       sig->credential_scope, sig->payload_hash,
                                  sig->string_to_sign, sig->signed_headers,   sig->signature,
                                  sig->authorization,  sig->canonical_request};
  for (const HttpHeader& h : headers) {
    out.push_back(h.name);
    out.push_back(h.value);
  }
  return out;
}

TEST(Sigv4, SecretKeyNeverAppearsInAnyOutputOrError) {
  const std::string secret = kSecret;
  const std::string token = std::string("tok/") + kToken;
  struct Attempt {
    const char* what;
    Sigv4Request request;
    std::vector<HttpHeader> headers;
    Sigv4Config config;
    AwsCredentials credentials;
    bool succeeds;
  };
  Sigv4Config bad_region = vanilla_config();
  bad_region.region = "us-east-1/" + secret;
  Sigv4Config bad_service = vanilla_config();
  bad_service.service = secret;
  AwsCredentials good = {"AKIDEXAMPLE", secret, token};
  std::vector<Attempt> attempts = {
      {"signed", {.method = "POST", .path = "/"}, kHostOnly, vanilla_config(), good, true},
      {"no token",
       {.method = "GET", .path = "/"},
       kHostOnly,
       vanilla_config(),
       vanilla_credentials(),
       true},
      {"no access key", {.method = "GET"}, kHostOnly, vanilla_config(), {"", secret, token}, false},
      {"secret as key id",
       {.method = "GET"},
       kHostOnly,
       vanilla_config(),
       {secret, secret, ""},
       false},
      {"no secret", {.method = "GET"}, kHostOnly, vanilla_config(), {"AKID", "", token}, false},
      {"token with a newline",
       {.method = "GET"},
       kHostOnly,
       vanilla_config(),
       {"AKID", secret, token + "\n" + secret},
       false},
      {"region", {.method = "GET"}, kHostOnly, bad_region, good, false},
      {"service", {.method = "GET"}, kHostOnly, bad_service, good, false},
      {"method", {.method = "G T"}, kHostOnly, vanilla_config(), good, false},
      {"no host", {.method = "GET"}, {{"X-Secret", secret}}, vanilla_config(), good, false},
      {"secret as a header name",
       {.method = "GET"},
       {{"Host", "h"}, {secret, "v"}},
       vanilla_config(),
       good,
       false},
      {"secret in a bad header value",
       {.method = "GET"},
       {{"Host", "h"}, {"X", secret + "\x01"}},
       vanilla_config(),
       good,
       false},
      {"control character in the path",
       {.method = "GET", .path = "/\x01"},
       kHostOnly,
       vanilla_config(),
       good,
       false},
  };
  for (Attempt& a : attempts) {
    std::vector<HttpHeader> headers = a.headers;
    Result<Sigv4Signature> sig = sigv4_sign_headers(a.request, headers, a.config, a.credentials);
    if (!sig.ok()) {
      EXPECT_EQ(headers.size(), a.headers.size()) << a.what << ": headers changed on error";
    }
    ASSERT_EQ(sig.ok(), a.succeeds) << a.what << ": " << (sig.ok() ? "" : sig.error().message());
    std::vector<std::string> strings = outputs(sig, headers);
    for (const std::string& s : strings) {
      EXPECT_EQ(s.find(secret), std::string::npos) << a.what << ": " << s;
      EXPECT_EQ(s.find("wJalrXUtnFEMI"), std::string::npos) << a.what << ": " << s;
    }
    if (!sig.ok()) {
      EXPECT_EQ(sig.error().message().find(kToken), std::string::npos) << a.what;
      EXPECT_EQ(sig.error().message().rfind("sigv4: ", 0), 0u) << sig.error().message();
    } else {
      // The token shows only where AWS puts it: its header and the canonical request.
      for (const std::string& s : {sig->string_to_sign, sig->authorization, sig->signature}) {
        EXPECT_EQ(s.find(kToken), std::string::npos) << a.what;
      }
    }
  }
}

}  // namespace
}  // namespace sluice

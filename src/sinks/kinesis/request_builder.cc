#include "sinks/kinesis/request_builder.h"

#include <openssl/evp.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "aws/sigv4.h"
#include "aws/sts.h"
#include "core/json_text.h"

namespace sluice {
namespace {

void append_base64(std::string& out, std::string_view data) {
  size_t at = out.size();
  out.resize(at + 4 * ((data.size() + 2) / 3) + 1);  // EVP_EncodeBlock writes a NUL too
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at),
                          reinterpret_cast<const unsigned char*>(data.data()), int(data.size()));
  out.resize(at + size_t(n));
}

std::string_view member_string(simdjson::dom::object obj, std::string_view key) {
  std::string_view s;
  if (obj.at_key(key).get(s) != simdjson::SUCCESS) return {};
  return s;
}

}  // namespace

KinesisRequestBuilder::KinesisRequestBuilder(const KinesisSinkSettings& settings)
    : settings_(settings) {}

void KinesisRequestBuilder::begin_put_records(std::string& body) const {
  body.clear();
  body += "{\"StreamName\":";
  append_json_string(body, settings_.topic);
  body += ",\"Records\":[";
}

void KinesisRequestBuilder::add_record(std::string& body, std::string_view data,
                                       std::string_view partition_key,
                                       std::string_view explicit_hash_key) const {
  if (body.back() == '}') body += ',';
  body += "{\"Data\":\"";
  append_base64(body, data);
  body += "\",\"PartitionKey\":";
  append_json_string(body, partition_key);
  if (!explicit_hash_key.empty()) {
    body += ",\"ExplicitHashKey\":\"";
    body += explicit_hash_key;  // decimal digits: nothing to escape
    body += '"';
  }
  body += '}';
}

void KinesisRequestBuilder::finish_put_records(std::string& body) const {
  body += "]}";
}

std::string KinesisRequestBuilder::list_shards_body(std::string_view next_token) const {
  std::string body = "{";
  if (next_token.empty()) {
    body += "\"StreamName\":";
    append_json_string(body, settings_.topic);
  } else {
    body += "\"NextToken\":";
    append_json_string(body, next_token);
  }
  body += ",\"MaxResults\":1000}";
  return body;
}

Result<HttpClientRequest> KinesisRequestBuilder::signed_post(
    const std::string& url, const HttpUrl& parsed, std::string_view service,
    std::vector<HttpHeader> headers, std::shared_ptr<const std::string> body,
    const AwsCredentials& credentials, std::chrono::system_clock::time_point now) const {
  headers.insert(headers.begin(), HttpHeader{"Host", parsed.authority()});
  Sigv4Config config;
  config.region = settings_.region;
  config.service = std::string(service);
  config.time = now;
  Sigv4Request req;
  req.method = "POST";
  req.path = parsed.target;
  req.payload = *body;
  auto signature = sigv4_sign_headers(req, headers, config, credentials);
  if (!signature) return signature.error();
  HttpClientRequest out;
  out.method = "POST";
  out.url = url;
  out.body = std::move(body);
  out.timeout = std::chrono::milliseconds(int64_t(settings_.timeout_seconds * 1000));
  out.headers.reserve(headers.size() + 1);
  for (const HttpHeader& h : headers) out.headers.push_back(h.name + ": " + h.value);
  return out;
}

Result<HttpClientRequest> KinesisRequestBuilder::request(
    std::string_view operation, std::shared_ptr<const std::string> body,
    const AwsCredentials& credentials, std::chrono::system_clock::time_point now) const {
  auto out = signed_post(settings_.endpoint_url, settings_.parsed_endpoint, "kinesis",
                         {{"Content-Type", "application/x-amz-json-1.1"},
                          {"X-Amz-Target", fmt::format("Kinesis_20131202.{}", operation)}},
                         std::move(body), credentials, now);
  if (!out) return out;
  // PutRecords answers one small object per entry; keep all of it (500 entries ~ 60 KB).
  out->max_response_body = 1 << 20;
  // libcurl would add "Expect: 100-continue" to large POSTs: a round trip for nothing here.
  out->headers.emplace_back("Expect:");
  return out;
}

Result<PutRecordsResult> parse_put_records(std::string_view body, size_t expected_entries) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err) {
    return Error(fmt::format("PutRecords answer is not JSON: {}", simdjson::error_message(err)));
  }
  PutRecordsResult result;
  simdjson::dom::object root;
  simdjson::dom::array records;
  if (doc.get(root) != simdjson::SUCCESS || root.at_key("Records").get(records)) {
    return Error("PutRecords answer has no Records array");
  }
  uint64_t failed = 0;
  simdjson::dom::element fc;
  if (root.at_key("FailedRecordCount").get(fc) == simdjson::SUCCESS && !fc.is_null()) {
    if (fc.get(failed) != simdjson::SUCCESS) {
      return Error("PutRecords answer: FailedRecordCount is not a number");
    }
  }
  result.failed_record_count = failed;
  result.entries.reserve(expected_entries);
  for (simdjson::dom::element e : records) {
    simdjson::dom::object entry;
    if (e.get(entry) != simdjson::SUCCESS)
      return Error("PutRecords answer: an entry is not an object");
    PutRecordsEntryResult r;
    r.error_code = std::string(member_string(entry, "ErrorCode"));
    r.ok = r.error_code.empty();
    if (r.ok) {
      r.shard_id = std::string(member_string(entry, "ShardId"));
    } else {
      r.error_message = std::string(member_string(entry, "ErrorMessage"));
    }
    result.entries.push_back(std::move(r));
  }
  if (result.entries.size() != expected_entries) {
    return Error(fmt::format("PutRecords answer has {} entries for {} records sent",
                             result.entries.size(), expected_entries));
  }
  return result;
}

KinesisApiError parse_kinesis_error(std::string_view body) {
  KinesisApiError out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object root;
  if (parser.parse(body.data(), body.size()).get(doc) || doc.get(root)) return out;
  std::string_view type = member_string(root, "__type");
  if (size_t hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
  out.type = std::string(type);
  std::string_view message = member_string(root, "message");
  if (message.empty()) message = member_string(root, "Message");
  out.message = std::string(message);
  return out;
}

}  // namespace sluice

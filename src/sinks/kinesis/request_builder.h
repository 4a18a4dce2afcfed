#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "core/result.h"
#include "sinks/http/http_client.h"
#include "sinks/kinesis/config.h"

namespace sluice {

// Builds the Kinesis API requests of one endpoint (JSON 1.1 protocol: POST /, the operation in
// X-Amz-Target, signed with SigV4 for service "kinesis"): PutRecords bodies appended record by
// record, and ListShards pages.
class KinesisRequestBuilder {
 public:
  explicit KinesisRequestBuilder(const KinesisSinkSettings& settings);

  // PutRecords: begin, add each record, finish. Data is base64-encoded as the API wants.
  void begin_put_records(std::string& body) const;
  void add_record(std::string& body, std::string_view data, std::string_view partition_key,
                  std::string_view explicit_hash_key) const;
  void finish_put_records(std::string& body) const;

  // ListShards: the first page names the stream; later pages give only the token (the API
  // refuses both together).
  [[nodiscard]] std::string list_shards_body(std::string_view next_token) const;

  // A signed request for `operation` ("PutRecords", "ListShards").
  [[nodiscard]] Result<HttpClientRequest> request(std::string_view operation,
                                                  std::shared_ptr<const std::string> body,
                                                  const AwsCredentials& credentials,
                                                  std::chrono::system_clock::time_point now) const;

 private:
  // A POST of `body` to `url`, with `headers` (Host first added here) and the SigV4 headers for
  // `service`.
  [[nodiscard]] Result<HttpClientRequest> signed_post(
      const std::string& url, const HttpUrl& parsed, std::string_view service,
      std::vector<HttpHeader> headers, std::shared_ptr<const std::string> body,
      const AwsCredentials& credentials, std::chrono::system_clock::time_point now) const;

  const KinesisSinkSettings& settings_;
};

// The answer to PutRecords, entry by entry in request order.
struct PutRecordsEntryResult {
  bool ok = false;
  std::string shard_id;    // where it landed (success)
  std::string error_code;  // ProvisionedThroughputExceededException, InternalFailure, KMS...
  std::string error_message;
};

struct PutRecordsResult {
  uint64_t failed_record_count = 0;
  std::vector<PutRecordsEntryResult> entries;
};

[[nodiscard]] Result<PutRecordsResult> parse_put_records(std::string_view body,
                                                         size_t expected_entries);

// An error answer of the Kinesis API: {"__type": "...#Name", "message": "..."}. The type is
// given without its namespace prefix; both are empty when the body is not such a document.
struct KinesisApiError {
  std::string type;
  std::string message;
};
[[nodiscard]] KinesisApiError parse_kinesis_error(std::string_view body);

}  // namespace sluice

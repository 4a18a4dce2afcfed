#pragma once

#include <cstdint>
#include <string>

#include "sinks/sink_settings.h"

namespace sluice {

class TableReader;

// How lines are framed in a request body (Fastly's json_format).
enum class JsonFormat : uint8_t {
  kLines = 0,   // "0": the lines joined by newlines
  kArray = 1,   // "1": a JSON array of the lines
  kNdjson = 2,  // "2": newline-delimited JSON, every line followed by '\n'
};

enum class Codec : uint8_t { kNone, kGzip, kZstd };

// The TLS settings of an HTTP client. Each of the PEM fields is PEM text or a file path.
struct HttpTlsSettings {
  std::string ca_cert;      // verify the receiver with this CA instead of the system's
  std::string client_cert;  // mTLS: our certificate...
  std::string client_key;   // ...and its key
  std::string hostname;     // the name the receiver's certificate must carry (default: the URL's)
};

// The delivery fields every HTTP-based endpoint type shares (https, and later Datadog, Splunk
// HEC, Elasticsearch...): batching, framing, compression, concurrency, timeouts, TLS. Each type
// reads them with parse_http_delivery_fields() and then clamps them to its destination's limits.
struct HttpDeliverySettings {
  static constexpr size_t kDefaultMaxEntries = 10000;
  static constexpr uint64_t kDefaultMaxBytes = 100ull * 1000 * 1000;  // "100 MB"
  static constexpr uint32_t kMaxConcurrency = 64;

  JsonFormat json_format = JsonFormat::kLines;
  Codec codec = Codec::kNone;
  int compression_level = 0;  // gzip 1-9, zstd 1-19
  size_t request_max_entries = kDefaultMaxEntries;
  uint64_t request_max_bytes = kDefaultMaxBytes;
  double period_seconds = 5;  // the longest a line lingers before its batch is sent
  uint32_t concurrency = 4;   // requests in flight
  bool adaptive_concurrency = false;
  double timeout_seconds = 30;      // per request, connecting included
  double max_backoff_seconds = 60;  // the cap of the retry backoff
  HttpTlsSettings tls;
};

// Reads the shared fields. Problems are reported through the reader, naming the field.
void parse_http_delivery_fields(TableReader& reader, HttpDeliverySettings& out);
// Prints them back, as fields that parse to the same settings.
void print_http_delivery_fields(const HttpDeliverySettings& settings, FieldMap& out);

}  // namespace sluice

#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "core/value.h"
#include "queue/line_batch.h"
#include "sinks/http/compression.h"
#include "sinks/http/json_framing.h"

namespace sluice {

// How a batch of lines becomes a request body, for any HTTP-based endpoint type.
struct BodyEncoding {
  JsonFormat json_format = JsonFormat::kLines;
  MessageType message_type = MessageType::kBlank;  // syslog-style header per line, if not blank
  std::string hostname;                            // for that header
  std::string endpoint;                            // for that header
  Codec codec = Codec::kNone;
  int compression_level = 0;
};

// A built body. `wire` is what is sent: compressed when a codec is set.
struct EncodedBody {
  std::string wire;
  size_t lines = 0;
  size_t raw_bytes = 0;     // the framed body before compression
  size_t invalid_json = 0;  // lines sent as JSON strings (json_format 1 and 2)
};

// The request_builder part shared by HTTP sinks: framing per message_type and json_format, then
// compression. Lines of one request may come from several queue leases. Keeps its buffers,
// parser and compression contexts between requests. Not thread-safe: one per sink.
class HttpBodyBuilder {
 public:
  [[nodiscard]] static Result<std::unique_ptr<HttpBodyBuilder>> create(BodyEncoding encoding);

  // What a line adds to a batch for request_max_bytes: its bytes and one separator. Exact for
  // json_format 0 and 2 with message_type blank and valid JSON lines; framing headers and the
  // escaping of invalid JSON lines add to it.
  [[nodiscard]] static size_t line_cost(std::string_view line) { return line.size() + 1; }

  // Frames and compresses every line of `batches`, in order, into `out`.
  Status build(std::span<const LineBatch* const> batches, std::chrono::system_clock::time_point now,
               EncodedBody& out);

  [[nodiscard]] std::string_view content_encoding() const {
    return compressor_->content_encoding();
  }
  [[nodiscard]] const BodyEncoding& encoding() const { return encoding_; }

 private:
  HttpBodyBuilder(BodyEncoding encoding, std::unique_ptr<Compressor> compressor)
      : encoding_(std::move(encoding)),
        framer_(encoding_.json_format),
        compressor_(std::move(compressor)) {}

  BodyEncoding encoding_;
  JsonFramer framer_;
  std::unique_ptr<Compressor> compressor_;
  std::string raw_;    // the framed body, reused
  LineBuffer framed_;  // one line with its message_type header, reused
};

}  // namespace sluice

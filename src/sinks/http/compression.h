#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sinks/http/delivery_settings.h"

struct ZSTD_CCtx_s;
struct libdeflate_compressor;

namespace sluice {

// Compresses request bodies: gzip (RFC 1952) or zstd (RFC 8878). gzip uses libdeflate rather than
// zlib: a body is always one whole buffer, which is what libdeflate compresses, and it writes a
// standard gzip stream much faster (on the benchmark's bodies, level 3 matches zlib level 6's
// ratio at 2.5 times its speed), which matters because compression runs on the sink's one strand.
// The library contexts are kept between bodies, so a steady stream of requests does not allocate
// them again. One instance per sink thread.
class Compressor {
 public:
  static Result<std::unique_ptr<Compressor>> create(Codec codec, int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Replaces `out` with the compressed `in`. Fails only if the library does (out of memory).
  Status compress(std::string_view in, std::string& out);

  [[nodiscard]] Codec codec() const { return codec_; }
  // The Content-Encoding header value: "gzip", "zstd", or "" for none.
  [[nodiscard]] std::string_view content_encoding() const;

 private:
  Compressor(Codec codec, int level) : codec_(codec), level_(level) {}

  Codec codec_;
  int level_;
  libdeflate_compressor* gzip_ = nullptr;
  ZSTD_CCtx_s* zstd_ = nullptr;
};

}  // namespace sluice

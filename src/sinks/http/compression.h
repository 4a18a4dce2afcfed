#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sinks/http/delivery_settings.h"

struct ZSTD_CCtx_s;
struct libdeflate_compressor;
struct isal_zstream;

namespace sluice {

// Compresses request bodies: gzip (RFC 1952) or zstd (RFC 8878). Compression runs on the sink's
// one strand, so its speed is the endpoint's speed.
//
// gzip has two compressors, chosen by the level (Fastly's `gzip_level`, 1-9):
// - 1-3: Intel ISA-L's igzip at its levels 1-3. On log lines igzip level 1 compresses about 2.5
//   times as fast as libdeflate level 3 (six times zlib level 6), for bodies ~4% larger. igzip 3
//   searches harder for <1% more, at 1 to 1.7 times libdeflate 3's speed across runs; it keeps
//   1-3 the fast levels, and 4 (libdeflate) is there for a better ratio. igzip's level 0 (static
//   Huffman codes) is no faster than its level 1 here and its bodies are 45% larger, so no gzip
//   level maps to it. igzip's levels stop at 3.
// - 4-9: libdeflate at the same level. Above 3 what is asked for is a smaller body rather than
//   speed, and igzip has nothing there: libdeflate 6 makes log bodies ~12% smaller than igzip 3.
//   libdeflate rather than zlib because a body is always one whole buffer, which libdeflate
//   compresses at twice zlib's speed for the same ratio.
// Figures: docs/operations.md, "Performance".
//
// The library state (igzip's stream and level buffer, the libdeflate or zstd context) is
// allocated once and kept between bodies, so a steady stream of requests does not allocate it
// again. One instance per sink thread.
class Compressor {
 public:
  // The gzip levels are 1 to 9; zstd's are its own.
  static Result<std::unique_ptr<Compressor>> create(Codec codec, int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Replaces `out` with the compressed `in`. Fails only if the library does, with its reason.
  Status compress(std::string_view in, std::string& out);

  [[nodiscard]] Codec codec() const { return codec_; }
  // The Content-Encoding header value: "gzip", "zstd", or "" for none.
  [[nodiscard]] std::string_view content_encoding() const;

  // The highest gzip level that igzip compresses; libdeflate takes the levels above it.
  static constexpr int kHighestIsalGzipLevel = 3;

 private:
  // Out of line, as the destructor is: the members' deleters need igzip's complete type.
  Compressor(Codec codec, int level);

  Status compress_isal(std::string_view in, std::string& out);
  Status compress_libdeflate(std::string_view in, std::string& out);
  // Grows scratch_ to at least `size` bytes, keeping its first `keep`.
  void reserve_scratch(size_t size, size_t keep);

  Codec codec_;
  int level_;
  // gzip 1-3: the igzip stream (~100 KB, with its history buffer) and the level's hash buffer.
  std::unique_ptr<isal_zstream> isal_;
  std::unique_ptr<uint8_t[]> isal_level_buf_;
  uint32_t isal_level_buf_size_ = 0;
  // igzip's output, kept between bodies (see compress_isal).
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratch_size_ = 0;
  // gzip 4-9.
  libdeflate_compressor* libdeflate_ = nullptr;
  ZSTD_CCtx_s* zstd_ = nullptr;
};

}  // namespace sluice

#include "sinks/http/compression.h"

#include <libdeflate.h>
#include <zstd.h>

#include <fmt/format.h>

namespace sluice {

Result<std::unique_ptr<Compressor>> Compressor::create(Codec codec, int level) {
  std::unique_ptr<Compressor> c(new Compressor(codec, level));
  if (codec == Codec::kGzip) {
    // libdeflate's levels follow zlib's for 1-9 (10-12 search harder still); NULL means a level
    // out of range, or no memory.
    c->gzip_ = libdeflate_alloc_compressor(level);
    if (c->gzip_ == nullptr) {
      return Error(fmt::format("gzip level {} is not supported (0 to 12)", level));
    }
  } else if (codec == Codec::kZstd) {
    c->zstd_ = ZSTD_createCCtx();
    if (c->zstd_ == nullptr) return Error("zstd: could not create a compression context");
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd_, ZSTD_c_compressionLevel, level))) {
      return Error(fmt::format("zstd level {} is not supported", level));
    }
  }
  return c;
}

Compressor::~Compressor() {
  if (gzip_ != nullptr) libdeflate_free_compressor(gzip_);
  if (zstd_ != nullptr) ZSTD_freeCCtx(zstd_);
}

std::string_view Compressor::content_encoding() const {
  switch (codec_) {
    case Codec::kGzip:
      return "gzip";
    case Codec::kZstd:
      return "zstd";
    case Codec::kNone:
      break;
  }
  return "";
}

Status Compressor::compress(std::string_view in, std::string& out) {
  out.clear();
  if (codec_ == Codec::kNone) {
    out.assign(in);
    return {};
  }
  if (codec_ == Codec::kZstd) {
    out.resize(ZSTD_compressBound(in.size()));
    size_t n = ZSTD_compress2(zstd_, out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) {
      out.clear();
      return Error(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
    }
    out.resize(n);
    return {};
  }
  // The bound covers incompressible input, so one call always completes; 0 (did not fit) is
  // ruled out by it, but would still be an error rather than an empty body.
  out.resize(libdeflate_gzip_compress_bound(gzip_, in.size()));
  size_t n = libdeflate_gzip_compress(gzip_, in.data(), in.size(), out.data(), out.size());
  if (n == 0) {
    out.clear();
    return Error(fmt::format("gzip: {} bytes did not fit the compression bound", in.size()));
  }
  out.resize(n);
  return {};
}

}  // namespace sluice

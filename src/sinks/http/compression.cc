#include "sinks/http/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <fmt/format.h>

namespace sluice {

Result<std::unique_ptr<Compressor>> Compressor::create(Codec codec, int level) {
  std::unique_ptr<Compressor> c(new Compressor(codec, level));
  if (codec == Codec::kGzip) {
    c->gzip_ = new z_stream{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(c->gzip_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      delete c->gzip_;
      c->gzip_ = nullptr;
      return Error(fmt::format("gzip level {}: zlib could not start", level));
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
  if (gzip_ != nullptr) {
    deflateEnd(gzip_);
    delete gzip_;
  }
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
  if (deflateReset(gzip_) != Z_OK) return Error("gzip: reset failed");
  out.resize(deflateBound(gzip_, uLong(in.size())) + 32);
  gzip_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  gzip_->avail_in = uInt(in.size());
  gzip_->next_out = reinterpret_cast<Bytef*>(out.data());
  gzip_->avail_out = uInt(out.size());
  // deflateBound() guarantees that one Z_FINISH call completes.
  int rc = deflate(gzip_, Z_FINISH);
  if (rc != Z_STREAM_END) {
    out.clear();
    return Error(fmt::format("gzip: deflate returned {}", rc));
  }
  out.resize(gzip_->total_out);
  return {};
}

}  // namespace sluice

#include "sinks/http/compression.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace sluice {
namespace {

// igzip's level buffer holds the level's hash table and match tokens. The "default" size is
// igzip's suggestion; the larger ones it offers made no difference on 3 MB log bodies.
uint32_t isal_level_buf_size(int level) {
  switch (level) {
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    case 3:
      return ISAL_DEF_LVL3_DEFAULT;
    default:
      return 0;
  }
}

std::string_view isal_error_name(int code) {
  switch (code) {
    case INVALID_FLUSH:
      return "invalid flush";
    case INVALID_PARAM:
      return "invalid parameter";
    case STATELESS_OVERFLOW:
      return "output overflow";
    case ISAL_INVALID_OPERATION:
      return "invalid operation";
    case ISAL_INVALID_STATE:
      return "invalid state";
    case ISAL_INVALID_LEVEL:
      return "invalid level";
    case ISAL_INVALID_LEVEL_BUF:
      return "level buffer too small";
    default:
      return "unknown error";
  }
}

}  // namespace

Result<std::unique_ptr<Compressor>> Compressor::create(Codec codec, int level) {
  std::unique_ptr<Compressor> c(new Compressor(codec, level));
  if (codec == Codec::kGzip) {
    if (level < 1 || level > 9) {
      return Error(fmt::format("gzip level {} is not supported (1 to 9)", level));
    }
    if (level <= kHighestIsalGzipLevel) {
      c->isal_ = std::make_unique<isal_zstream>();
      c->isal_level_buf_size_ = isal_level_buf_size(level);
      c->isal_level_buf_ = std::make_unique<uint8_t[]>(c->isal_level_buf_size_);
    } else {
      // NULL here is out of memory: 4-9 are all libdeflate levels.
      c->libdeflate_ = libdeflate_alloc_compressor(level);
      if (c->libdeflate_ == nullptr) {
        return Error(fmt::format("gzip level {}: could not create a libdeflate compressor", level));
      }
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

Compressor::Compressor(Codec codec, int level) : codec_(codec), level_(level) {}

Compressor::~Compressor() {
  if (libdeflate_ != nullptr) libdeflate_free_compressor(libdeflate_);
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
  if (codec_ == Codec::kNone) {
    out.assign(in);
    return {};
  }
  if (codec_ == Codec::kGzip) {
    return isal_ != nullptr ? compress_isal(in, out) : compress_libdeflate(in, out);
  }
  out.resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress2(zstd_, out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    out.clear();
    return Error(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  }
  out.resize(n);
  return {};
}

Status Compressor::compress_isal(std::string_view in, std::string& out) {
  // igzip's sizes are 32-bit, so a body is fed in pieces of at most 1 GiB, and the output grows
  // if it must. Neither happens with request_max_bytes (100 MB at most) and the starting size,
  // which covers incompressible input (stored blocks: 5 bytes per 64 KiB, plus the gzip header
  // and trailer); the loop only keeps a wrong guess from becoming a truncated body.
  constexpr size_t kMaxPiece = size_t(1) << 30;
  isal_zstream& z = *isal_;
  isal_deflate_init(&z);
  z.level = uint32_t(level_);
  z.level_buf = isal_level_buf_.get();
  z.level_buf_size = isal_level_buf_size_;
  z.gzip_flag = IGZIP_GZIP;
  z.flush = NO_FLUSH;

  // igzip writes into scratch_, which is kept between bodies and never cleared, and the body
  // is copied out at its compressed size: resizing `out` to the bound instead would fill
  // several MB with zeros per body (3% of the benchmark's profile) to copy ~a fifth of that.
  reserve_scratch(in.size() + in.size() / 8192 * 5 + 1024, 0);
  size_t in_pos = 0;
  size_t out_pos = 0;
  for (;;) {
    if (z.avail_in == 0 && !z.end_of_stream) {
      size_t piece = std::min(in.size() - in_pos, kMaxPiece);
      // igzip reads the input through a non-const pointer but does not write to it.
      z.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data() + in_pos));
      z.avail_in = uint32_t(piece);
      in_pos += piece;
      z.end_of_stream = in_pos == in.size() ? 1 : 0;
    }
    if (out_pos == scratch_size_) reserve_scratch(scratch_size_ + scratch_size_ / 2, out_pos);
    size_t room = std::min<size_t>(scratch_size_ - out_pos, std::numeric_limits<uint32_t>::max());
    z.next_out = scratch_.get() + out_pos;
    z.avail_out = uint32_t(room);
    int rc = isal_deflate(&z);
    out_pos += room - z.avail_out;
    if (rc != COMP_OK) {
      out.clear();
      return Error(fmt::format("gzip (igzip level {}): {} ({}) after {} of {} bytes", level_,
                               isal_error_name(rc), rc, in_pos - z.avail_in, in.size()));
    }
    if (z.internal_state.state == ZSTATE_END) break;
  }
  out.assign(reinterpret_cast<const char*>(scratch_.get()), out_pos);
  return {};
}

void Compressor::reserve_scratch(size_t size, size_t keep) {
  if (size <= scratch_size_) return;
  // Uninitialized on purpose (new[] of a trivial type), for the reason above.
  std::unique_ptr<uint8_t[]> bigger(new uint8_t[size]);
  if (keep > 0) std::memcpy(bigger.get(), scratch_.get(), keep);
  scratch_ = std::move(bigger);
  scratch_size_ = size;
}

Status Compressor::compress_libdeflate(std::string_view in, std::string& out) {
  // The bound covers incompressible input, so one call always completes; 0 (did not fit) is
  // ruled out by it, but would still be an error rather than an empty body.
  out.resize(libdeflate_gzip_compress_bound(libdeflate_, in.size()));
  size_t n = libdeflate_gzip_compress(libdeflate_, in.data(), in.size(), out.data(), out.size());
  if (n == 0) {
    out.clear();
    return Error(fmt::format("gzip: {} bytes did not fit the compression bound", in.size()));
  }
  out.resize(n);
  return {};
}

}  // namespace sluice

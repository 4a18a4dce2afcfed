#include "sources/http/body_decoding.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>
#include <boost/algorithm/string/predicate.hpp>

namespace sluice {
namespace {

// The output grows by this much at a time, never past the limit plus one byte (to see that the
// body goes on beyond it).
constexpr size_t kStep = 256 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error too_large(size_t max_bytes) {
  return Error(ErrorCode::kResourceExhausted,
               fmt::format("the body decodes to more than the limit of {} bytes", max_bytes));
}

// Room for the next output: `out` grows to at most max_bytes + 1; past that, too_large. The
// capacity it grows to (libstdc++ at least doubles it) is charged to `lease` first.
Status grow(std::string& out, size_t used, size_t max_bytes, BodyLease* lease) {
  if (used < out.size()) return {};
  if (out.size() > max_bytes) return too_large(max_bytes);
  size_t size = std::min(out.size() + kStep, max_bytes + 1);
  if (size > out.capacity()) {
    size_t capacity = std::max(size, 2 * out.capacity());
    if (lease != nullptr && !lease->grow(capacity - out.capacity())) {
      return Error(ErrorCode::kUnavailable, lease->budget()->refusal_message());
    }
    out.reserve(capacity);
  }
  out.resize(size);
  return {};
}

Status inflate_gzip(std::string_view body, size_t max_bytes, std::string& out, BodyLease* lease) {
  z_stream zs{};
  // 16 + MAX_WBITS: a gzip wrapper, not zlib's.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return Error(ErrorCode::kResourceExhausted, "gzip: zlib could not allocate its state");
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = uInt(body.size());
  size_t used = 0;
  while (true) {
    if (Status st = grow(out, used, max_bytes, lease); !st) return st;
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = uInt(out.size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out.size() - zs.avail_out;
    if (used > max_bytes) return too_large(max_bytes);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      return Error(ErrorCode::kInvalidArgument, "gzip: the body ends in the middle of a stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("gzip: {}", zs.msg != nullptr ? zs.msg : "corrupt stream"));
    }
  }
  out.resize(used);
  return {};
}

Status decompress_zstd(std::string_view body, size_t max_bytes, std::string& out,
                       BodyLease* lease) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Error(ErrorCode::kResourceExhausted, "zstd: could not allocate its state");
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  size_t used = 0;
  size_t last = 0;  // 0 when a frame is complete
  while (in.pos < in.size || last != 0) {
    if (Status st = grow(out, used, max_bytes, lease); !st) return st;
    ZSTD_outBuffer o{out.data(), out.size(), used};
    last = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(last)) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("zstd: {}", ZSTD_getErrorName(last)));
    }
    bool progressed = o.pos > used;
    used = o.pos;
    if (used > max_bytes) return too_large(max_bytes);
    if (in.pos == in.size && last != 0 && !progressed && used < out.size()) {
      return Error(ErrorCode::kInvalidArgument, "zstd: the body ends in the middle of a frame");
    }
  }
  out.resize(used);
  return {};
}

}  // namespace

Result<BodyEncoding> parse_content_encoding(std::string_view value) {
  std::string_view v = trim(value);
  if (v.empty() || boost::algorithm::iequals(v, "identity")) return BodyEncoding::kIdentity;
  if (boost::algorithm::iequals(v, "gzip") || boost::algorithm::iequals(v, "x-gzip"))
    return BodyEncoding::kGzip;
  if (boost::algorithm::iequals(v, "zstd")) return BodyEncoding::kZstd;
  return Error(
      ErrorCode::kInvalidArgument,
      fmt::format("Content-Encoding \"{}\" is not supported (use gzip, zstd or none)", value));
}

Status decode_body(BodyEncoding encoding, std::string_view body, size_t max_bytes, std::string& out,
                   BodyLease* lease) {
  out.clear();
  switch (encoding) {
    case BodyEncoding::kIdentity:
      if (body.size() > max_bytes) return too_large(max_bytes);
      if (lease != nullptr && body.size() > out.capacity() &&
          !lease->grow(body.size() - out.capacity())) {
        return Error(ErrorCode::kUnavailable, lease->budget()->refusal_message());
      }
      out.assign(body);
      return {};
    case BodyEncoding::kGzip:
      return inflate_gzip(body, max_bytes, out, lease);
    case BodyEncoding::kZstd:
      return decompress_zstd(body, max_bytes, out, lease);
  }
  return {};
}

}  // namespace sluice

// libFuzzer target: HttpBodyBuilder (json_format framing, message_type headers, gzip and zstd
// compression) on arbitrary lines, as the https sink hands it a batch from the endpoint queue.
//
// Input: byte 0 picks json_format (byte % 3) and message_type, byte 1 the codec and level, byte 2
// where the lines are split between two queue leases; the rest is the lines, split at '\n'
// (a queued line never holds one).
//
// Invariants checked:
// - every line is counted, and no more lines are counted invalid than there are;
// - json_format 0 with blank message_type is the input text itself;
// - json_format 1 is one JSON array with one element per line;
// - json_format 2 is one valid JSON text per line, each followed by '\n';
// - a compressed body decodes (with zlib or libzstd, not the library that wrote it) to exactly
//   the body the same builder frames without compression.
// Builders persist across inputs, one per encoding, as a sink keeps its own from request to
// request, so buffer reuse bugs show up.

#include <zlib.h>
#include <zstd.h>

#include <simdjson.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "queue/line_batch.h"
#include "sinks/http/body_builder.h"

namespace sluice::fuzz {
namespace {

HttpBodyBuilder& builder(JsonFormat format, MessageType type, Codec codec, int level) {
  static std::map<std::tuple<int, int, int, int>, std::unique_ptr<HttpBodyBuilder>> cache;
  auto& slot = cache[{int(format), int(type), int(codec), level}];
  if (!slot) {
    BodyEncoding enc;
    enc.json_format = format;
    enc.message_type = type;
    enc.hostname = "fuzz-host";
    enc.endpoint = "fuzz endpoint";
    enc.codec = codec;
    enc.compression_level = level;
    auto b = HttpBodyBuilder::create(enc);
    if (!b) __builtin_trap();  // every level offered below is valid
    slot = std::move(*b);
  }
  return *slot;
}

std::string gunzip(const std::string& in, size_t expected) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) __builtin_trap();
  std::string out(expected + 1, '\0');  // one spare byte: a longer output is a mismatch too
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = inflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END || z.avail_in != 0) __builtin_trap();
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string unzstd(const std::string& in, size_t expected) {
  std::string out(expected + 1, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) __builtin_trap();
  out.resize(n);
  return out;
}

bool one_json_text(simdjson::dom::parser& parser, std::string_view text, size_t* elements) {
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) return false;
  if (elements != nullptr) {
    simdjson::dom::array array;
    if (doc.get_array().get(array) != simdjson::SUCCESS) return false;
    *elements = array.size();
  }
  return true;
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size < 3) return 0;
  auto format = JsonFormat(data[0] % 3);
  // Half the inputs get a message_type header (0-11 are blank, so the seeds read easily).
  int header = data[0] / 3 % 8;
  auto type = header < 4 ? MessageType::kBlank : MessageType(header - 4);
  auto codec = Codec(data[1] % 3);
  // gzip 1-9 (igzip for 1-3, libdeflate above); zstd 1-9, the higher levels are slow without
  // finding more.
  int level = codec == Codec::kGzip   ? 1 + data[1] / 3 % 9
              : codec == Codec::kZstd ? 1 + data[1] / 3 % 9
                                      : 0;
  std::string_view text(reinterpret_cast<const char*>(data + 3), size - 3);

  std::vector<std::string_view> lines;
  for (size_t start = 0;;) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  size_t split = lines.empty() ? 0 : data[2] % (lines.size() + 1);
  LineBatch first;
  LineBatch second;
  for (size_t i = 0; i < lines.size(); ++i) (i < split ? first : second).add(lines[i]);
  const LineBatch* batches[] = {&first, &second};

  // A fixed time, so that a crash with a message_type header reproduces.
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1795248000));
  EncodedBody plain;
  if (!fuzz::builder(format, type, Codec::kNone, 0).build(batches, now, plain)) __builtin_trap();
  if (plain.lines != lines.size() || plain.invalid_json > plain.lines) __builtin_trap();
  if (plain.raw_bytes != plain.wire.size()) __builtin_trap();

  static simdjson::dom::parser parser;
  switch (format) {
    case JsonFormat::kLines:
      if (plain.invalid_json != 0) __builtin_trap();
      if (type == MessageType::kBlank && plain.wire != text) __builtin_trap();
      break;
    case JsonFormat::kArray: {
      size_t elements = 0;
      if (!fuzz::one_json_text(parser, plain.wire, &elements) || elements != lines.size()) {
        __builtin_trap();
      }
      break;
    }
    case JsonFormat::kNdjson: {
      std::string_view body = plain.wire;
      size_t count = 0;
      for (size_t start = 0; start < body.size(); ++count) {
        size_t nl = body.find('\n', start);
        if (nl == std::string_view::npos) __builtin_trap();  // every line ends with '\n'
        if (!fuzz::one_json_text(parser, body.substr(start, nl - start), nullptr)) {
          __builtin_trap();
        }
        start = nl + 1;
      }
      if (count != lines.size()) __builtin_trap();
      break;
    }
  }

  if (codec == Codec::kNone) return 0;
  EncodedBody packed;
  if (!fuzz::builder(format, type, codec, level).build(batches, now, packed)) __builtin_trap();
  if (packed.raw_bytes != plain.raw_bytes || packed.lines != plain.lines) __builtin_trap();
  std::string decoded = codec == Codec::kGzip ? fuzz::gunzip(packed.wire, plain.raw_bytes)
                                              : fuzz::unzstd(packed.wire, plain.raw_bytes);
  if (decoded != plain.wire) __builtin_trap();
  return 0;
}

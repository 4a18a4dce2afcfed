#include "sinks/http/body_builder.h"

#include "sinks/framing.h"

namespace sluice {

Result<std::unique_ptr<HttpBodyBuilder>> HttpBodyBuilder::create(BodyEncoding encoding) {
  auto compressor = Compressor::create(encoding.codec, encoding.compression_level);
  if (!compressor) return compressor.error();
  return std::unique_ptr<HttpBodyBuilder>(
      new HttpBodyBuilder(std::move(encoding), std::move(*compressor)));
}

Status HttpBodyBuilder::build(std::span<const LineBatch* const> batches,
                              std::chrono::system_clock::time_point now, EncodedBody& out) {
  raw_.clear();
  out.lines = 0;
  framer_.begin(raw_);
  bool blank = encoding_.message_type == MessageType::kBlank;
  for (const LineBatch* batch : batches) {
    if (blank) raw_.reserve(raw_.size() + batch->byte_size() + batch->size() + 2);
    for (size_t i = 0; i < batch->size(); ++i) {
      std::string_view line = batch->line(i);
      if (!blank) {
        framed_.clear();
        append_framed(framed_, encoding_.message_type, encoding_.hostname, encoding_.endpoint, {},
                      line, now);
        line = std::string_view(framed_.data(), framed_.size());
      }
      framer_.add(line, raw_);
      ++out.lines;
    }
  }
  framer_.end(raw_);
  out.raw_bytes = raw_.size();
  out.invalid_json = framer_.invalid_lines();
  if (compressor_->codec() == Codec::kNone) {
    // No copy: hand the buffer over and take the previous body's capacity in exchange.
    out.wire.swap(raw_);
    return {};
  }
  return compressor_->compress(raw_, out.wire);
}

}  // namespace sluice

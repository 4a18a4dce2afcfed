// Micro benchmarks of the HTTP request body: json_format framing (0, 1, 2) and compression (none,
// gzip through ISA-L's igzip at levels 1-3 and libdeflate above, zstd), as HttpBodyBuilder does
// them for every request on the sink's strand. The batch is the https benchmark's: 10,000
// access-log JSON lines of 300 bytes, built once; the builder, its buffers and its compression
// context are reused from iteration to iteration as the sink reuses them from request to request.
//
// Target (issue 4): 300,000 lines/s (about 100 MB/s of lines) on one core, for the whole sink, so
// the body alone must leave room for the queue, the HTTP client and the source.
//
//   build/release/bench/http_body_bench --benchmark_min_time=0.5
// bytes_per_second is of the framed body before compression, items_per_second is lines.
// BM_LibdeflateGzipForComparison and BM_ZlibGzipForComparison are libdeflate (sluice's gzip for
// levels 1-3 before igzip) and zlib (before libdeflate) on the same body: compression alone,
// without the framing.

#include <benchmark/benchmark.h>
#include <libdeflate.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "queue/line_batch.h"
#include "sinks/http/body_builder.h"

namespace sluice {
namespace {

constexpr size_t kLinesPerBody = 10000;
constexpr size_t kLineBytes = 300;

// A 300-byte line shaped like the 004 JSON format's output: fixed keys, values that vary the way
// real traffic varies (addresses, paths, sizes, status, a few user agents). Deterministic, so
// that runs compare. Compresses about as well as real access logs, unlike a padded constant.
std::string access_log_line(uint64_t i) {
  static constexpr const char* kAgents[] = {
      "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15",
      "curl/8.4.0",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/119.0",
  };
  static constexpr const char* kStates[] = {"HIT", "MISS", "PASS", "HIT-STALE"};
  uint64_t x = i * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 32;
  std::string line =
      fmt::format(R"({{"timestamp":"2026-11-21T08:{:02}:{:02}+0000","client_ip":"198.51.{}.{}",)"
                  R"("url":"/assets/{:x}/item?id={}","status":{},"bytes":{},"state":"{}",)"
                  R"("ua":"{}","host":"www.example.com","pad":")",
                  (i / 60) % 60, i % 60, x & 255, (x >> 8) & 255, (x >> 16) & 0xfffff,
                  (x >> 36) % 100000, (x >> 52) % 8 == 0 ? 404 : 200, (x >> 20) % 250000,
                  kStates[(x >> 40) % 4], kAgents[(x >> 44) % 4]);
  // Fill to the size with hex of a second hash: varied, but from a 16-letter alphabet.
  uint64_t y = x * 0xd6e8feb86659fd93ull;
  while (line.size() < kLineBytes - 2) {
    line.push_back("0123456789abcdef"[y & 15]);
    y = (y >> 4) | (y << 60);
    if ((line.size() & 15) == 0) y = y * 0x9e3779b97f4a7c15ull + i;
  }
  line.resize(kLineBytes - 2);
  line += "\"}";
  return line;
}

const LineBatch& access_log_batch() {
  static const LineBatch batch = [] {
    LineBatch b;
    for (size_t i = 0; i < kLinesPerBody; ++i) b.add(access_log_line(i));
    return b;
  }();
  return batch;
}

// Args: json_format, codec (0 none, 1 gzip, 2 zstd), level.
void BM_HttpBody(benchmark::State& state) {
  BodyEncoding enc;
  enc.json_format = JsonFormat(state.range(0));
  enc.codec = Codec(state.range(1));
  enc.compression_level = int(state.range(2));
  auto builder = HttpBodyBuilder::create(enc);
  if (!builder) {
    state.SkipWithError(builder.error().message().c_str());
    return;
  }
  const LineBatch* batches[] = {&access_log_batch()};
  EncodedBody out;
  auto now = std::chrono::system_clock::now();
  size_t raw = 0;
  size_t wire = 0;
  for (auto _ : state) {
    Status st = (*builder)->build(batches, now, out);
    if (!st.ok()) {
      state.SkipWithError(st.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(out.wire.data());
    raw = out.raw_bytes;
    wire = out.wire.size();
  }
  state.SetItemsProcessed(int64_t(state.iterations() * kLinesPerBody));
  state.SetBytesProcessed(int64_t(state.iterations() * raw));
  state.counters["ratio"] = wire > 0 ? double(raw) / double(wire) : 0;
}

void body_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"json_format", "codec", "level"});
  for (int64_t format : {0, 1, 2}) b->Args({format, 0, 0});
  for (int64_t level : {1, 2, 3, 4, 6, 9}) b->Args({2, 1, level});
  for (int64_t level : {1, 3}) b->Args({2, 2, level});
  b->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_HttpBody)->Apply(body_args);

// The body json_format 2 frames, built once for the comparisons below.
const std::string& ndjson_body() {
  static const std::string body = [] {
    BodyEncoding enc;
    enc.json_format = JsonFormat::kNdjson;
    auto builder = HttpBodyBuilder::create(enc);
    const LineBatch* batches[] = {&access_log_batch()};
    EncodedBody b;
    if (!builder || !(*builder)->build(batches, std::chrono::system_clock::now(), b))
      return std::string();
    return b.wire;
  }();
  return body;
}

// libdeflate at the same levels: what gzip levels 1-3 cost before igzip took them over.
void BM_LibdeflateGzipForComparison(benchmark::State& state) {
  const std::string& body = ndjson_body();
  libdeflate_compressor* c = libdeflate_alloc_compressor(int(state.range(0)));
  if (body.empty() || c == nullptr) {
    state.SkipWithError("could not frame the body or create the compressor");
    if (c != nullptr) libdeflate_free_compressor(c);
    return;
  }
  std::string out(libdeflate_gzip_compress_bound(c, body.size()), '\0');
  size_t n = 0;
  for (auto _ : state) {
    n = libdeflate_gzip_compress(c, body.data(), body.size(), out.data(), out.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations() * kLinesPerBody));
  state.SetBytesProcessed(int64_t(state.iterations() * body.size()));
  state.counters["ratio"] = n > 0 ? double(body.size()) / double(n) : 0;
  libdeflate_free_compressor(c);
}
BENCHMARK(BM_LibdeflateGzipForComparison)
    ->ArgName("level")
    ->Arg(1)
    ->Arg(3)
    ->Arg(6)
    ->Unit(benchmark::kMillisecond);

// The compressor sluice used before libdeflate, on the same framed body, for comparison: zlib's
// deflate with a gzip wrapper, at the same levels.
void BM_ZlibGzipForComparison(benchmark::State& state) {
  const std::string& body = ndjson_body();
  if (body.empty()) {
    state.SkipWithError("could not frame the body");
    return;
  }
  z_stream z{};
  if (deflateInit2(&z, int(state.range(0)), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    state.SkipWithError("zlib could not start");
    return;
  }
  std::string out(deflateBound(&z, uLong(body.size())), '\0');
  for (auto _ : state) {
    deflateReset(&z);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    z.avail_in = uInt(body.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
      state.SkipWithError("deflate did not finish");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations() * kLinesPerBody));
  state.SetBytesProcessed(int64_t(state.iterations() * body.size()));
  state.counters["ratio"] = double(body.size()) / double(z.total_out);
  deflateEnd(&z);
}
BENCHMARK(BM_ZlibGzipForComparison)
    ->ArgName("level")
    ->Arg(1)
    ->Arg(3)
    ->Arg(6)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();

#include <algorithm>

#include <zlib.h>
#include <zstd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sinks/http/body_builder.h"
#include "sinks/http/json_framing.h"

namespace sluice {
namespace {

LineBatch lines(std::initializer_list<std::string_view> ls) {
  LineBatch b;
  for (auto l : ls) b.add(l);
  return b;
}

struct Built {
  std::string body;
  size_t invalid = 0;
  size_t lines = 0;
};

Built build(JsonFormat f, std::vector<const LineBatch*> batches, Codec codec = Codec::kNone,
            MessageType mt = MessageType::kBlank) {
  BodyEncoding enc;
  enc.json_format = f;
  enc.codec = codec;
  enc.compression_level = codec == Codec::kGzip ? 6 : 3;
  enc.message_type = mt;
  enc.hostname = "host1";
  enc.endpoint = "ep";
  auto b = HttpBodyBuilder::create(enc);
  EXPECT_TRUE(b.ok());
  EncodedBody out;
  Status st = (*b)->build(batches, std::chrono::system_clock::now(), out);
  EXPECT_TRUE(st.ok());
  return {out.wire, out.invalid_json, out.lines};
}

TEST(JsonFraming, Format0JoinsTheLinesWithNewlines) {
  LineBatch b = lines({"a b", "{\"x\":1}", "not json"});
  Built r = build(JsonFormat::kLines, {&b});
  EXPECT_EQ(r.body, "a b\n{\"x\":1}\nnot json");
  EXPECT_EQ(r.invalid, 0u);  // format 0 does not look at the lines
  EXPECT_EQ(r.lines, 3u);
}

TEST(JsonFraming, Format1IsAJsonArrayWithInvalidLinesAsStrings) {
  LineBatch b = lines({R"({"a":1})", "plain \"text\"", "[1,2]", "42", R"({"broken":)"});
  Built r = build(JsonFormat::kArray, {&b});
  EXPECT_EQ(r.body, R"([{"a":1},"plain \"text\"",[1,2],42,"{\"broken\":"])");
  EXPECT_EQ(r.invalid, 2u);
}

TEST(JsonFraming, Format2IsNewlineDelimitedJson) {
  LineBatch b = lines({R"({"a":1})", "oops", R"({"b":"c"})"});
  Built r = build(JsonFormat::kNdjson, {&b});
  EXPECT_EQ(r.body, "{\"a\":1}\n\"oops\"\n{\"b\":\"c\"}\n");
  EXPECT_EQ(r.invalid, 1u);
}

TEST(JsonFraming, TrailingGarbageAndTwoValuesAreNotOneJsonText) {
  JsonFramer f(JsonFormat::kNdjson);
  EXPECT_TRUE(f.is_valid_json(R"( {"a":[1,2,{"b":null}]} )"));
  EXPECT_FALSE(f.is_valid_json(R"({"a":1} x)"));
  EXPECT_FALSE(f.is_valid_json("1 2"));
  EXPECT_FALSE(f.is_valid_json(""));
  EXPECT_FALSE(f.is_valid_json(R"({"a":1,})"));
  EXPECT_FALSE(f.is_valid_json("\"\xff\""));  // invalid UTF-8 inside a string
}

TEST(JsonFraming, InvalidUtf8BecomesAValidJsonString) {
  LineBatch b = lines({"caf\xe9"});
  Built r = build(JsonFormat::kArray, {&b});
  EXPECT_EQ(r.body, "[\"caf\\ufffd\"]");  // U+FFFD, escaped
  EXPECT_EQ(r.invalid, 1u);
}

// Found by http_body_fuzz: bytes whose continuation bits look right but that no JSON parser
// accepts (overlong forms, surrogates, code points above U+10FFFF) must become U+FFFD too, or
// the "JSON string" of an invalid line is itself invalid and the receiver refuses the batch.
TEST(JsonFraming, IllFormedUtf8NeverReachesTheBody) {
  LineBatch b = lines({"\xc0\x86", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\x80",
                       "\xf0\x80\x80\x80", "\xf5\x80\x80\x80",
                       "\xc3\xa9 \xe2\x82\xac "
                       "\xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf x"});
  Built r = build(JsonFormat::kNdjson, {&b});
  JsonFramer check(JsonFormat::kNdjson);
  std::string_view body = r.body;
  for (size_t start = 0; start < body.size();) {
    size_t nl = body.find('\n', start);
    ASSERT_NE(nl, std::string_view::npos);
    EXPECT_TRUE(check.is_valid_json(body.substr(start, nl - start))) << start;
    start = nl + 1;
  }
  EXPECT_EQ(r.invalid, 7u);
  // Well-formed sequences, at the edges of their ranges too, pass through unchanged.
  EXPECT_NE(r.body.find("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf x"),
            std::string::npos);
  EXPECT_EQ(r.body.substr(0, 15), "\"\\ufffd\\ufffd\"\n");  // C0 86: two bytes replaced
}

TEST(JsonFraming, LinesOfSeveralLeasesFormOneBody) {
  LineBatch a = lines({"1", "2"});
  LineBatch b = lines({"3"});
  EXPECT_EQ(build(JsonFormat::kArray, {&a, &b}).body, "[1,2,3]");
  EXPECT_EQ(build(JsonFormat::kLines, {&a, &b}).body, "1\n2\n3");
  EXPECT_EQ(build(JsonFormat::kNdjson, {&a, &b}).body, "1\n2\n3\n");
}

TEST(JsonFraming, EmptyBatchIsAnEmptyArray) {
  LineBatch none;
  EXPECT_EQ(build(JsonFormat::kArray, {&none}).body, "[]");
  EXPECT_EQ(build(JsonFormat::kLines, {&none}).body, "");
}

TEST(JsonFraming, MessageTypeHeaderComesBeforeJsonChecking) {
  LineBatch b = lines({R"({"a":1})"});
  Built r = build(JsonFormat::kNdjson, {&b}, Codec::kNone, MessageType::kClassic);
  // A classic syslog header makes the line invalid JSON: it goes as a string, counted.
  EXPECT_EQ(r.invalid, 1u);
  EXPECT_EQ(r.body.front(), '"');
  EXPECT_NE(r.body.find("host1 ep: {\\\"a\\\":1}"), std::string::npos) << r.body;
}

TEST(JsonFraming, LineCostCountsTheSeparator) {
  EXPECT_EQ(HttpBodyBuilder::line_cost("abc"), 4u);
}

// zlib's inflate, not the library that wrote the body: what a receiver does. The output grows as
// needed, and the whole input must be one gzip member that ends exactly at the input's end.
std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(std::max<size_t>(in.size() * 4, 1 << 16), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  int rc = Z_OK;
  while (rc == Z_OK || rc == Z_BUF_ERROR) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = uInt(out.size() - z.total_out);
    uLong before = z.total_out;
    rc = inflate(&z, Z_FINISH);
    if (rc == Z_BUF_ERROR && z.total_out == before && z.avail_out > 0) break;  // truncated
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string unzstd(const std::string& in) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  EXPECT_NE(size, ZSTD_CONTENTSIZE_ERROR);
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST(Compression, GzipAndZstdBodiesDecodeToTheFramedLines) {
  LineBatch b;
  for (int i = 0; i < 2000; ++i) b.add("{\"n\":" + std::to_string(i) + ",\"pad\":\"xxxxxxxx\"}");
  std::string plain = build(JsonFormat::kNdjson, {&b}).body;
  std::string gz = build(JsonFormat::kNdjson, {&b}, Codec::kGzip).body;
  std::string zs = build(JsonFormat::kNdjson, {&b}, Codec::kZstd).body;
  EXPECT_LT(gz.size(), plain.size() / 4);
  EXPECT_LT(zs.size(), plain.size() / 4);
  EXPECT_EQ(gunzip(gz), plain);
  EXPECT_EQ(unzstd(zs), plain);
}

// Access-log-like lines: repetitive keys, varying values, so that the match finder has real
// work at every level (a body of one repeated byte would not exercise it).
std::string access_log_body(size_t lines) {
  std::string body;
  uint32_t x = 12345;
  for (size_t i = 0; i < lines; ++i) {
    x = x * 1103515245 + 12345;
    body += fmt::format(
        "{{\"ip\":\"10.{}.{}.{}\",\"url\":\"/p/{}?q={}\",\"status\":{},\"usec\":{}}}\n", x >> 24,
        (x >> 16) & 255, (x >> 8) & 255, x % 977, x % 65521, 200 + x % 5 * 100, x % 99991);
  }
  return body;
}

std::string pseudo_random_bytes(size_t n, uint32_t seed) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(char((seed = seed * 1664525 + 1013904223) >> 24));
  return out;
}

std::string compress_or_fail(Compressor& c, const std::string& in) {
  std::string out;
  Status st = c.compress(in, out);
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

TEST(Compression, GzipDecodesWithZlibAtEveryLevel) {
  std::string body = access_log_body(3000);
  std::string random = pseudo_random_bytes(20000, 7);
  // Binary, partly compressible: runs of zeros and every byte value between random stretches.
  std::string binary;
  for (int i = 0; i < 64; ++i) {
    binary += pseudo_random_bytes(700, uint32_t(i));
    binary.append(size_t(300 + i), '\0');
    for (int b = 0; b < 256; ++b) binary.push_back(char(b));
  }
  for (int level = 1; level <= 9; ++level) {
    SCOPED_TRACE(fmt::format("gzip level {}", level));
    auto c = Compressor::create(Codec::kGzip, level);
    ASSERT_TRUE(c.ok());
    std::string out = compress_or_fail(**c, body);
    // Standard gzip: the magic, deflate, no flags that a receiver would have to understand.
    ASSERT_GE(out.size(), 18u);
    EXPECT_EQ(uint8_t(out[0]), 0x1f);
    EXPECT_EQ(uint8_t(out[1]), 0x8b);
    EXPECT_EQ(uint8_t(out[2]), 8);
    EXPECT_EQ(uint8_t(out[3]), 0);
    EXPECT_EQ(gunzip(out), body);
    EXPECT_LT(out.size(), body.size() / 2);
    // Incompressible input still fits and decodes, no more than a little larger than it was.
    out = compress_or_fail(**c, random);
    EXPECT_EQ(gunzip(out), random);
    EXPECT_LT(out.size(), random.size() + 100);
    out = compress_or_fail(**c, binary);
    EXPECT_EQ(gunzip(out), binary);
    out = compress_or_fail(**c, "");
    EXPECT_EQ(gunzip(out), "");
  }
}

TEST(Compression, GzipLevelsOutsideOneToNineAreRejected) {
  for (int level : {-1, 0, 10, 12}) {
    auto c = Compressor::create(Codec::kGzip, level);
    ASSERT_FALSE(c.ok()) << level;
    EXPECT_NE(c.error().message().find("1 to 9"), std::string::npos) << c.error().message();
  }
}

// Bodies of several MB, as request_max_bytes allows up to 100 MB: igzip works through its
// history window many times over, and incompressible input must not outgrow the output buffer.
TEST(Compression, LargeGzipBodiesDecode) {
  std::string body = access_log_body(120000);  // ~8 MB
  ASSERT_GT(body.size(), 7u << 20);
  std::string random = pseudo_random_bytes(6 << 20, 99);
  for (int level : {1, 2, 3, 4}) {
    SCOPED_TRACE(fmt::format("gzip level {}", level));
    auto c = Compressor::create(Codec::kGzip, level);
    ASSERT_TRUE(c.ok());
    std::string out = compress_or_fail(**c, body);
    EXPECT_LT(out.size(), body.size() / 3);
    EXPECT_EQ(gunzip(out), body);
    out = compress_or_fail(**c, random);
    EXPECT_EQ(gunzip(out), random);
  }
}

TEST(Compression, ContextsAreReusedAcrossBodies) {
  std::string big = access_log_body(20000);
  for (int level : {1, 3, 6}) {
    SCOPED_TRACE(fmt::format("gzip level {}", level));
    auto c = Compressor::create(Codec::kGzip, level);
    ASSERT_TRUE(c.ok());
    // Large, small, large again into the same output buffer: nothing of an earlier body (its
    // history, its bytes in the buffer) leaks into a later one.
    std::string out;
    ASSERT_TRUE((*c)->compress(big, out).ok());
    EXPECT_EQ(gunzip(out), big);
    ASSERT_TRUE((*c)->compress("first body", out).ok());
    EXPECT_EQ(gunzip(out), "first body");
    ASSERT_TRUE((*c)->compress("second", out).ok());
    EXPECT_EQ(gunzip(out), "second");
    ASSERT_TRUE((*c)->compress(big.substr(1000), out).ok());
    EXPECT_EQ(gunzip(out), big.substr(1000));
    EXPECT_EQ((*c)->content_encoding(), "gzip");
  }
}

}  // namespace
}  // namespace sluice

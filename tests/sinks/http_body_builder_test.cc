#include <zlib.h>
#include <zstd.h>

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

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
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

TEST(Compression, ContextsAreReusedAcrossBodies) {
  auto c = Compressor::create(Codec::kGzip, 6);
  ASSERT_TRUE(c.ok());
  std::string out;
  ASSERT_TRUE((*c)->compress("first body", out).ok());
  EXPECT_EQ(gunzip(out), "first body");
  ASSERT_TRUE((*c)->compress("second", out).ok());
  EXPECT_EQ(gunzip(out), "second");
  EXPECT_EQ((*c)->content_encoding(), "gzip");
}

}  // namespace
}  // namespace sluice

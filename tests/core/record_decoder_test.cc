#include "core/record_decoder.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace sluice {
namespace {

::testing::AssertionResult has(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << '"' << text << "\" does not contain \"" << part << '"';
}

// The error message of a decode that must fail; the record must be left empty.
std::string decode_error(RecordDecoder& decoder, std::string_view json) {
  Record record;
  Status st = decoder.decode(json, record);
  if (st.ok()) {
    ADD_FAILURE() << "decoded without error: " << json;
    return "";
  }
  EXPECT_TRUE(record.fields().empty()) << json;
  return st.error().message();
}

std::string decode_error(std::string_view json) {
  RecordDecoder decoder;
  return decode_error(decoder, json);
}

const Value& field(const Record& record, std::string_view name) {
  static const Value kMissing;
  const Value* v = record.find(name);
  EXPECT_NE(v, nullptr) << name;
  return v ? *v : kMissing;
}

TEST(RecordDecoder, DecodesEveryJsonType) {
  RecordDecoder decoder;
  Record r;
  Status st = decoder.decode(
      R"({"s":"text","i":-42,"f":1.25,"t":true,"n":null,"big":9223372036854775807})", r);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(field(r, "s").kind, ValueKind::kString);
  EXPECT_EQ(field(r, "s").str, "text");
  EXPECT_EQ(field(r, "i").kind, ValueKind::kInteger);
  EXPECT_EQ(field(r, "i").integer, -42);
  EXPECT_EQ(field(r, "f").kind, ValueKind::kFloat);
  EXPECT_DOUBLE_EQ(field(r, "f").real, 1.25);
  EXPECT_EQ(field(r, "t").kind, ValueKind::kBool);
  EXPECT_TRUE(field(r, "t").boolean);
  EXPECT_EQ(field(r, "big").integer, INT64_MAX);
  // null is VCL's not set.
  EXPECT_FALSE(field(r, "n").is_set());
}

TEST(RecordDecoder, UnescapesStringsAndKeys) {
  RecordDecoder decoder;
  Record r;
  ASSERT_TRUE(decoder.decode(R"({"a\u002eb":"caf\u00e9 \"q\" \\ \n\u0000end","e":""})", r).ok());
  EXPECT_EQ(field(r, "a.b").str, std::string("caf\xC3\xA9 \"q\" \\ \n\0end", 17));
  EXPECT_EQ(field(r, "e").kind, ValueKind::kString);
  EXPECT_EQ(field(r, "e").str, "");
}

TEST(RecordDecoder, NestedObjectsAndArraysAreKeptAsJsonText) {
  RecordDecoder decoder;
  Record r;
  ASSERT_TRUE(
      decoder.decode(R"({"geo":{"city":"Tokyo","lat":35.6},"tags":[1,"two",null],"x":1})", r).ok());
  EXPECT_EQ(field(r, "geo").str, R"({"city":"Tokyo","lat":35.6})");
  EXPECT_EQ(field(r, "tags").str, R"([1,"two",null])");
  EXPECT_EQ(field(r, "x").integer, 1);
}

TEST(RecordDecoder, KeysMatchWithoutRegardToCase) {
  RecordDecoder decoder;
  Record r;
  ASSERT_TRUE(decoder.decode(R"({"req.http.Host":"x.example.com"})", r).ok());
  EXPECT_EQ(field(r, "req.http.host").str, "x.example.com");
  EXPECT_EQ(field(r, "REQ.HTTP.HOST").str, "x.example.com");
}

TEST(RecordDecoder, LaterDuplicateKeyWins) {
  RecordDecoder decoder;
  Record r;
  ASSERT_TRUE(decoder.decode(R"({"req.http.X":"first","req.http.x":"second"})", r).ok());
  EXPECT_EQ(field(r, "req.http.X").str, "second");
  EXPECT_EQ(r.fields().size(), 1u);
}

TEST(RecordDecoder, EmptyObjectAndSurroundingWhitespace) {
  RecordDecoder decoder;
  Record r;
  EXPECT_TRUE(decoder.decode("{}", r).ok());
  EXPECT_TRUE(r.fields().empty());
  EXPECT_TRUE(decoder.decode(" \t{\"a\":1} \r\n", r).ok());
  EXPECT_EQ(field(r, "a").integer, 1);
}

TEST(RecordDecoder, ManyFields) {
  std::string json = "{";
  for (int i = 0; i < 300; ++i) {
    if (i) json += ',';
    json += fmt::format(R"("key.{}":{})", i, i * 7);
  }
  json += '}';
  RecordDecoder decoder;
  Record r;
  ASSERT_TRUE(decoder.decode(json, r).ok());
  ASSERT_EQ(r.fields().size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(field(r, fmt::format("key.{}", i)).integer, i * 7);
}

TEST(RecordDecoderErrors, InvalidJson) {
  EXPECT_TRUE(has(decode_error(R"({"a":})"), "invalid JSON"));
  EXPECT_TRUE(has(decode_error(R"({"a":1,})"), "invalid JSON"));
  EXPECT_TRUE(has(decode_error(R"({"a" 1})"), "invalid JSON"));
  EXPECT_TRUE(has(decode_error(R"({"a":tru})"), "invalid JSON"));
  EXPECT_TRUE(has(decode_error(R"({"a":"unterminated})"), "invalid JSON"));
  EXPECT_TRUE(has(decode_error("{"), "invalid JSON"));
  EXPECT_FALSE(decode_error("").empty());
  EXPECT_FALSE(decode_error("   ").empty());
}

TEST(RecordDecoderErrors, ErrorInsideAValueNamesTheKey) {
  EXPECT_TRUE(has(decode_error(R"({"good":1,"bad":tru})"), "invalid JSON"));
}

TEST(RecordDecoderErrors, NonObject) {
  EXPECT_TRUE(has(decode_error("[1,2]"), "must be a JSON object"));
  EXPECT_TRUE(has(decode_error(R"("text")"), "must be a JSON object"));
  EXPECT_TRUE(has(decode_error("42"), "must be a JSON object"));
  EXPECT_TRUE(has(decode_error("null"), "must be a JSON object"));
  // The message quotes what was found instead.
  EXPECT_TRUE(has(decode_error("  [1,2]"), "found '[1,2]'"));
}

TEST(RecordDecoderErrors, TrailingContent) {
  EXPECT_TRUE(has(decode_error(R"({"a":1} x)"), "trailing content"));
  EXPECT_TRUE(has(decode_error(R"({"a":1}{"b":2})"), "trailing content after the object"));
  EXPECT_TRUE(has(decode_error("{\"a\":1}\n{\"b\":2}\n"), "trailing content"));
  EXPECT_TRUE(has(decode_error(R"({"s":"}"} x)"), "trailing content after the object at byte 10"));
  EXPECT_TRUE(has(decode_error(R"({"a":1}])"), "invalid JSON"));
}

TEST(RecordDecoderErrors, InvalidUtf8) {
  EXPECT_TRUE(has(decode_error("{\"a\":\"\xFF\"}"), "UTF-8"));
  EXPECT_TRUE(has(decode_error("{\"a\":\"\xC3\"}"), "UTF-8"));          // truncated
  EXPECT_TRUE(has(decode_error("{\"a\":\"\xED\xA0\x80\"}"), "UTF-8"));  // surrogate
  EXPECT_TRUE(has(decode_error("{\"\xC0\xAF\":1}"), "UTF-8"));          // overlong key
}

TEST(RecordDecoderErrors, DecoderIsReusableAfterAnError) {
  RecordDecoder decoder;
  Record r;
  const char* bad[] = {R"({"a":})", "[1]", R"({"a":1} x)", "{\"a\":\"\xFF\"}", ""};
  for (const char* json : bad) {
    EXPECT_FALSE(decoder.decode(json, r).ok()) << json;
    EXPECT_TRUE(r.fields().empty());
    Status st = decoder.decode(R"({"req.url":"/after","resp.status":200})", r);
    ASSERT_TRUE(st.ok()) << "after " << json << ": " << st.error().message();
    EXPECT_EQ(field(r, "req.url").str, "/after");
    EXPECT_EQ(field(r, "resp.status").integer, 200);
    EXPECT_EQ(r.fields().size(), 2u);
  }
}

TEST(RecordDecoder, RecordIsClearedBetweenDecodes) {
  RecordDecoder decoder;
  Record r;
  std::string big = R"({"long":")" + std::string(10000, 'x') + R"(","only.first":1})";
  ASSERT_TRUE(decoder.decode(big, r).ok());
  ASSERT_TRUE(decoder.decode(R"({"short":"y"})", r).ok());
  EXPECT_EQ(r.find("only.first"), nullptr);
  EXPECT_EQ(r.find("long"), nullptr);
  EXPECT_EQ(field(r, "short").str, "y");
  ASSERT_TRUE(decoder.decode(big, r).ok());
  EXPECT_EQ(field(r, "long").str.size(), 10000u);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Strings without escapes are views into the record's own copy of the text; escaped ones are
// unescaped. Lengths around the 16-byte scan step, and a backslash or quote at every position.
TEST(RecordDecoder, PlainAndEscapedStringsOfEveryLengthAroundTheScanStep) {
  RecordDecoder decoder;
  for (size_t n = 0; n <= 40; ++n) {
    std::string plain(n, 'a');
    for (size_t i = 0; i < n; ++i) plain[i] = char('a' + i % 26);
    Record record;
    std::string json = "{\"" + plain + "k\":\"" + plain + "\"}";
    ASSERT_TRUE(decoder.decode(json, record).ok()) << json;
    const Value* v = record.find(plain + "k");
    ASSERT_NE(v, nullptr) << json;
    EXPECT_EQ(v->str, plain);
    for (size_t i = 0; i < n; ++i) {
      std::string escaped = plain.substr(0, i) + "\\\"" + plain.substr(i);
      std::string expect = plain.substr(0, i) + "\"" + plain.substr(i);
      json = "{\"" + escaped + "\":\"" + escaped + "\" , \"z\" : \"" + plain + "\\\\\"}";
      ASSERT_TRUE(decoder.decode(json, record).ok()) << json;
      v = record.find(expect);
      ASSERT_NE(v, nullptr) << json;
      EXPECT_EQ(v->str, expect) << json;
      ASSERT_NE(record.find("z"), nullptr) << json;
      EXPECT_EQ(record.find("z")->str, plain + "\\") << json;
    }
  }
}

// The record keeps its own copy: the caller's text can go away once decode returns.
TEST(RecordDecoder, RecordOutlivesTheInputText) {
  RecordDecoder decoder;
  Record record;
  {
    std::string json = R"({"req.http.Host":"www.example.com","resp.status":200})";
    ASSERT_TRUE(decoder.decode(json, record).ok());
    std::fill(json.begin(), json.end(), 'x');
  }
  ASSERT_NE(record.find("req.http.host"), nullptr);
  EXPECT_EQ(record.find("req.http.host")->str, "www.example.com");
}

// Integers are read straight from the text when they have at most 18 digits; everything else
// goes through simdjson. Both must agree with JSON: every length and sign, whitespace after the
// number, and each malformed number refused.
TEST(RecordDecoder, IntegersOfEveryLengthAndMalformedNumbers) {
  RecordDecoder decoder;
  Record r;
  std::string digits;
  for (int n = 1; n <= 19; ++n) {
    digits += char('0' + (n % 9) + 1);
    for (std::string_view sign : {"", "-"}) {
      for (std::string_view after : {"", " ", "\t\n ", "\r"}) {
        std::string json = fmt::format(R"({{"i":{}{}{},"next":7}})", sign, digits, after);
        Status st = decoder.decode(json, r);
        ASSERT_TRUE(st.ok()) << json << ": " << st.error().message();
        int64_t want = std::stoll(std::string(sign) + digits);
        EXPECT_EQ(field(r, "i").kind, ValueKind::kInteger) << json;
        EXPECT_EQ(field(r, "i").integer, want) << json;
        EXPECT_EQ(field(r, "next").integer, 7) << json;
      }
    }
  }
  ASSERT_TRUE(decoder.decode(R"({"z":0,"m":-0,"last":12})", r).ok());
  EXPECT_EQ(field(r, "z").integer, 0);
  EXPECT_EQ(field(r, "m").integer, 0);
  EXPECT_EQ(field(r, "last").integer, 12);
  ASSERT_TRUE(decoder.decode(R"({"f":12.5,"e":1e3,"u":18446744073709551615})", r).ok());
  EXPECT_EQ(field(r, "f").kind, ValueKind::kFloat);
  EXPECT_DOUBLE_EQ(field(r, "f").real, 12.5);
  EXPECT_DOUBLE_EQ(field(r, "e").real, 1000.0);
  EXPECT_EQ(field(r, "u").kind, ValueKind::kFloat);
  for (std::string_view bad :
       {"01", "-01", "-", "+1", "1.", "1e", "12a", "--1", "1 2", "0x1", "1-", "12\"", "1}"}) {
    std::string json = fmt::format(R"({{"a":{},"b":1}})", bad);
    EXPECT_TRUE(has(decode_error(decoder, json), "invalid JSON")) << json;
  }
  EXPECT_TRUE(has(decode_error(decoder, R"({"a":12)"), "invalid JSON"));
}

}  // namespace
}  // namespace sluice

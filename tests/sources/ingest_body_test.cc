#include "sources/http/ingest_body.h"

#include <string>

#include <gtest/gtest.h>

#include "source_harness.h"
#include "sources/http/json_answer.h"

namespace sluice {
namespace {

std::string decode(std::string_view literal) {
  std::string out, error;
  if (!decode_json_string(literal, out, error)) return "ERROR: " + error;
  return out;
}

TEST(DecodeJsonString, Escapes) {
  EXPECT_EQ(decode(R"("plain")"), "plain");
  EXPECT_EQ(decode(R"("")"), "");
  EXPECT_EQ(decode(R"("a\"b\\c\/d\b\f\n\r\t")"), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(decode(R"("\u0041\u00e9\u20ac")"), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(decode(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decode("\"raw \xC3\xA9\""), "raw \xC3\xA9");
}

TEST(DecodeJsonString, Errors) {
  EXPECT_EQ(decode("plain"), "ERROR: not a JSON string: it must start and end with '\"'");
  EXPECT_EQ(decode("\""), "ERROR: not a JSON string: it must start and end with '\"'");
  EXPECT_EQ(decode(R"("a"b")"), "ERROR: unescaped '\"' at byte 2 of the JSON string");
  EXPECT_EQ(decode(R"("a\")"), "ERROR: the JSON string ends with a lone '\\'");
  EXPECT_EQ(decode(R"("\q")"), "ERROR: unknown escape '\\q' at byte 1 of the JSON string");
  EXPECT_EQ(decode(R"("\u12")"), "ERROR: bad \\u escape at byte 1 of the JSON string");
  EXPECT_EQ(decode(R"("\u12G4")"), "ERROR: bad \\u escape at byte 1 of the JSON string");
  EXPECT_EQ(decode(R"("\ud83d")"), "ERROR: unpaired high surrogate at byte 1 of the JSON string");
  EXPECT_EQ(decode(R"("\ud83dx\ude00")"),
            "ERROR: unpaired high surrogate at byte 1 of the JSON string");
  EXPECT_EQ(decode(R"("\ude00")"), "ERROR: unpaired low surrogate at byte 1 of the JSON string");
  EXPECT_EQ(decode("\"tab\there\""), "ERROR: control character at byte 4 of the JSON string");
}

TEST(OutcomeJson, EscapesReasons) {
  IngestOutcome o;
  o.accepted = 3;
  o.rejected = 1;
  o.errors.push_back({7, "bad \"x\"\n\\ \x01"});
  EXPECT_EQ(outcome_json(o),
            "{\"accepted\":3,\"rejected\":1,\"dropped\":0,\"errors\":[{\"line\":7,\"reason\":\"bad "
            "\\\"x\\\"\\n\\\\ \\u0001\"}]}\n");
}

// A reason may quote a byte of the body (an unknown escape); the answer stays valid JSON.
// Found by ingest_body_fuzz (tests/fuzz/regressions/ingest_body_fuzz/
// unknown_escape_of_a_utf8_byte).
TEST(OutcomeJson, ReasonsAreValidUtf8) {
  IngestOutcome o;
  o.rejected = 1;
  o.errors.push_back({1, "unknown escape '\\\xC3' at byte 1; caf\xC3\xA9"});
  EXPECT_EQ(outcome_json(o),
            "{\"accepted\":0,\"rejected\":1,\"dropped\":0,\"errors\":[{\"line\":1,\"reason\":"
            "\"unknown escape '\\\\\\ufffd' at byte 1; caf\xC3\xA9\"}]}\n");
}

TEST(JsonErrorAnswer, IsValidUtf8) {
  EXPECT_EQ(json_error_answer(404, "no such path: /caf\xE9").body,
            "{\"error\":\"no such path: /caf\\ufffd\"}\n");
}

TEST(IngestBody, LineNumbersCountBlankLines) {
  testing::SourceHarness h(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "file"
  name = "e"
  path = "/dev/null"
  format = '%{req.url}V'
)toml",
                           0);
  ASSERT_TRUE(h.ok());
  IngestSession session(h.routes(), "", PayloadKind::kAuto);
  IngestOutcome o = ingest_body(session, IngestKind::kRecords, "s",
                                "\n  \n{\"req.url\":\"/1\"}\r\n\t\nnope\n{\"req.url\":\"/2\"}");
  EXPECT_EQ(o.accepted, 2u);
  EXPECT_EQ(o.rejected, 1u);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0].line, 5u);
  ASSERT_TRUE(session.flush());
  EXPECT_EQ(testing::SourceHarness::take_all(h.endpoint("s", "e")),
            (std::vector<std::string>{"/1", "/2"}));

  o = ingest_body(session, IngestKind::kLogStatements, "", "  \"syslog s e :: padded\"  \n");
  EXPECT_EQ(o.accepted, 1u) << (o.errors.empty() ? "" : o.errors[0].reason);
  ASSERT_TRUE(session.flush());
  EXPECT_EQ(testing::SourceHarness::take_all(h.endpoint("s", "e")),
            std::vector<std::string>{"padded"});
}

}  // namespace
}  // namespace sluice

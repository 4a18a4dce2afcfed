// Golden tests: each folder under tests/data/golden/ holds
//   format.txt          the format, on its first line
//   format_version.txt  optional: "1" for Fastly's format_version 1 (default 2)
//   records.ndjson      one request record per line
//   expected.txt        the line each record must render to, in the same order
// The formats come from the seeds (reference/seeds/00[134]_*); expected lines were worked out by
// hand from the semantics, not captured from the renderer.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/record_decoder.h"
#include "format/log_format.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

fs::path golden_root() {
  return fs::path(SLUICE_TEST_DATA_DIR) / "golden";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> golden_cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(golden_root(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct GoldenCase {
  std::string format;
  FormatVersion version = FormatVersion::kV2;
  std::vector<std::string> records;
  std::vector<std::string> expected;
};

GoldenCase load(const std::string& name) {
  fs::path dir = golden_root() / name;
  GoldenCase c;
  std::vector<std::string> format_lines = read_lines(dir / "format.txt");
  EXPECT_EQ(format_lines.size(), 1u) << name << ": format.txt must hold exactly one line";
  if (!format_lines.empty()) c.format = format_lines[0];
  if (fs::exists(dir / "format_version.txt")) {
    std::vector<std::string> v = read_lines(dir / "format_version.txt");
    EXPECT_TRUE(!v.empty() && (v[0] == "1" || v[0] == "2")) << name;
    if (!v.empty() && v[0] == "1") c.version = FormatVersion::kV1;
  }
  for (std::string& line : read_lines(dir / "records.ndjson")) {
    if (!line.empty()) c.records.push_back(std::move(line));
  }
  c.expected = read_lines(dir / "expected.txt");
  return c;
}

// Renders every record of a case, one line each.
std::vector<std::string> render_all(const GoldenCase& c) {
  std::vector<std::string> lines;
  auto format = LogFormat::compile(c.format, c.version);
  if (!format.ok()) {
    ADD_FAILURE() << "format does not compile: " << format.error().message();
    return lines;
  }
  RecordDecoder decoder;
  Record record;
  EvalContext ctx;
  LineBuffer out;  // reused from line to line, as the engine does
  for (const std::string& json : c.records) {
    if (Status st = decoder.decode(json, record); !st.ok()) {
      ADD_FAILURE() << "record does not decode: " << st.error().message() << "\n  " << json;
      lines.emplace_back();
      continue;
    }
    out.clear();
    format->render(record, ctx, out);
    lines.push_back(fmt::to_string(out));
  }
  return lines;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, RendersTheExpectedLines) {
  GoldenCase c = load(GetParam());
  ASSERT_FALSE(c.records.empty());
  ASSERT_EQ(c.records.size(), c.expected.size()) << "records.ndjson and expected.txt disagree";
  std::vector<std::string> lines = render_all(c);
  ASSERT_EQ(lines.size(), c.expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i], c.expected[i]) << "record " << i + 1 << ": " << c.records[i];
  }
  // A format that builds a JSON object must render valid JSON for every record.
  if (c.format.empty() || c.format[0] != '{') return;
  simdjson::dom::parser parser;
  for (const std::string& line : lines) {
    simdjson::dom::element doc;
    auto error = parser.parse(line).get(doc);
    EXPECT_FALSE(error) << simdjson::error_message(error) << "\n  " << line;
    EXPECT_TRUE(!error && doc.is_object()) << line;
  }
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Seeds, Golden, ::testing::ValuesIn(golden_cases()), case_name);

TEST(GoldenData, AllSeedCasesArePresent) {
  std::vector<std::string> names = golden_cases();
  for (const char* want : {"clf", "clf_v1", "fastly_json", "fastly_flags", "influx_metrics"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

// The JSON format of seed 004 escapes what it must: a JSON parser reads back exactly the
// strings the record carried.
TEST(GoldenData, JsonFormatRoundTripsStrings) {
  GoldenCase c = load("fastly_json");
  std::vector<std::string> lines = render_all(c);
  ASSERT_EQ(lines.size(), c.records.size());
  simdjson::dom::parser in_parser, out_parser;
  for (size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::element record, line;
    ASSERT_FALSE(in_parser.parse(c.records[i]).get(record));
    ASSERT_FALSE(out_parser.parse(lines[i]).get(line)) << lines[i];
    std::string_view url, rendered_url;
    ASSERT_FALSE(record["req.url"].get(url));
    ASSERT_FALSE(line["url"].get(rendered_url));
    EXPECT_EQ(rendered_url, url);
    std::string_view ua;
    if (!record["req.http.User-Agent"].get(ua)) {
      std::string_view rendered_ua;
      ASSERT_FALSE(line["request_user_agent"].get(rendered_ua));
      EXPECT_EQ(rendered_ua, ua);
    }
    int64_t status = 0, rendered_status = -1;
    ASSERT_FALSE(record["resp.status"].get(status));
    ASSERT_FALSE(line["response_status"].get(rendered_status));
    EXPECT_EQ(rendered_status, status);
  }
}

}  // namespace
}  // namespace sluice

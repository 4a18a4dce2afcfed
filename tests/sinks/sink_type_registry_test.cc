#include <sstream>

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "config/table_reader.h"
#include "sinks/sink_type.h"

namespace sluice {
namespace {

// Every type's fields, as a user might write them, non-defaults included.
struct Example {
  std::string_view type;
  std::string_view fields;
};
const Example kExamples[] = {
    {"file", R"(path = "/tmp/%Y.log"
gzip_level = 3
period = "250ms")"},
    {"stdout", ""},
    {"stderr", "period = 2"},
    {"syslog", R"(address = "logs.example.com"
port = 6514
token = "t0ken"
use_tls = true
framing = "octet_counting")"},
    {"https", R"(url = "https://logs.example.com/in"
method = "PUT"
header_name = "Authorization"
header_value = "Bearer abc"
json_format = 2
compression_codec = "zstd"
concurrency = "adaptive"
period_ms = 1500)"},
    {"kinesis", R"(topic = "logs"
region = "eu-west-1"
access_key = "AKID"
secret_key = "s3cret"
partition_key = "%{req.http.host}V"
aggregation = "kpl"
request_max_entries = 900)"},
};

std::string text(const FieldMap& m) {
  std::ostringstream s;
  s << m;
  return s.str();
}

std::shared_ptr<const SinkSettings> parse(const SinkType& type, const FieldMap& fields) {
  ConfigErrors errors;
  TableReader reader(fields, "test", errors);
  auto settings = type.parse(reader);
  reader.finish();
  EXPECT_TRUE(errors.empty()) << type.name << ": " << errors.joined();
  return errors.empty() ? settings : nullptr;
}

TEST(SinkTypeRegistry, ListsEveryTypeOnceAndFindsThemByName) {
  std::vector<std::string_view> names;
  for (const SinkType* t : sink_types()) names.push_back(t->name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"file", "stdout", "stderr", "syslog", "https",
                                                  "kinesis"}));
  for (const SinkType* t : sink_types()) {
    EXPECT_EQ(find_sink_type(t->name), t);
    EXPECT_NE(t->parse, nullptr);
    EXPECT_NE(t->make, nullptr);
  }
  EXPECT_EQ(find_sink_type("nope"), nullptr);
}

// What the API will need: print an endpoint, and parse what it printed to the same settings.
TEST(SinkTypeRegistry, PrintedFieldsParseBackToTheSameSettings) {
  for (const Example& ex : kExamples) {
    SCOPED_TRACE(ex.type);
    const SinkType* type = find_sink_type(ex.type);
    ASSERT_NE(type, nullptr);
    auto first = parse(*type, toml::parse(ex.fields));
    ASSERT_NE(first, nullptr);
    FieldMap printed = print_settings(*type, *first, /*redact_secrets=*/false);
    auto second = parse(*type, printed);
    ASSERT_NE(second, nullptr) << text(printed);
    EXPECT_EQ(text(print_settings(*type, *second, false)), text(printed));
  }
}

TEST(SinkTypeRegistry, PrintingWithRedactionHidesSecretsOnly) {
  const SinkType& kinesis = *find_sink_type("kinesis");
  auto settings = parse(kinesis, toml::parse(kExamples[5].fields));
  ASSERT_NE(settings, nullptr);
  FieldMap shown = print_settings(kinesis, *settings, /*redact_secrets=*/true);
  EXPECT_EQ(shown["secret_key"].value_or(std::string()), "(redacted)");
  EXPECT_EQ(shown["access_key"].value_or(std::string()), "AKID");
  EXPECT_EQ(text(shown).find("s3cret"), std::string::npos);
  const SinkType& https = *find_sink_type("https");
  auto h = parse(https, toml::parse(kExamples[4].fields));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(text(print_settings(https, *h, true)).find("Bearer abc"), std::string::npos);
  EXPECT_NE(text(print_settings(https, *h, false)).find("Bearer abc"), std::string::npos);
}

// The fingerprint decides whether an activation restarts a sink: the same settings written
// differently must not, a changed value must.
TEST(SinkTypeRegistry, FingerprintFollowsSettingsNotSpelling) {
  auto fingerprint = [](std::string_view fields) {
    auto c = load_config_string(
        std::string("[[service]]\nid = \"s\"\n[[service.logging]]\nname = \"e\"\ntype = "
                    "\"https\"\n") +
            std::string(fields),
        "t.toml");
    EXPECT_TRUE(c.ok()) << c.error().message();
    return c.ok() ? c->services[0].endpoints[0].sink_fingerprint : std::string();
  };
  std::string base = fingerprint("url = \"https://a.example/\"\nperiod = 2\n");
  EXPECT_EQ(base, fingerprint("period_ms = 2000\nurl = \"https://a.example/\"\n"));
  EXPECT_EQ(base, fingerprint("url = \"https://a.example/\"\nperiod = 2\nconcurrency = 4\n"))
      << "a default written out is the default";
  EXPECT_NE(base, fingerprint("url = \"https://b.example/\"\nperiod = 2\n"));
  EXPECT_NE(base, fingerprint("url = \"https://a.example/\"\nperiod = 2\nmessage_type = "
                              "\"classic\"\n"));
  EXPECT_EQ(base, fingerprint("url = \"https://a.example/\"\nperiod = 2\nformat = \"%h\"\n"))
      << "the format is not the sink's";
}

}  // namespace
}  // namespace sluice

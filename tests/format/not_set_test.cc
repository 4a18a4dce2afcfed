// DESIGN "Format language", not-set values: "(null)" in a %{...}V or log position, "" as a
// function argument, false in a boolean position, "-" from an Apache directive.
#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/condition.h"
#include "format/log_format.h"

namespace sluice {
namespace {

constexpr std::string_view kRecord =
    R"({"req.url":"/a","req.http.Empty":"","req.http.Null":null,"resp.status":200})";

std::string render(std::string_view format, std::string_view json = kRecord) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
    return "<bad record>";
  }
  auto compiled = LogFormat::compile(format);
  if (!compiled.ok()) {
    ADD_FAILURE() << "format " << format << ": " << compiled.error().message();
    return "<bad format>";
  }
  EvalContext ctx;
  LineBuffer out;
  compiled->render(record, ctx, out);
  return fmt::to_string(out);
}

bool holds(std::string_view statement, std::string_view json = kRecord) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
    return false;
  }
  auto condition = Condition::compile(statement);
  if (!condition.ok()) {
    ADD_FAILURE() << statement << ": " << condition.error().message();
    return false;
  }
  EvalContext ctx;
  return condition->matches(record, ctx);
}

TEST(NotSet, NullInAVPosition) {
  EXPECT_EQ(render("%{req.http.missing}V"), "(null)");
  EXPECT_EQ(render("[%{req.http.Null}V]"), "[(null)]");
  EXPECT_EQ(render("%{client.geo.country_name}V"), "(null)");
  EXPECT_EQ(render(R"(%{if(true, req.http.missing, "x")}V)"), "(null)");
}

TEST(NotSet, EmptyStringIsSetAndPrintsNothing) {
  EXPECT_EQ(render("[%{req.http.Empty}V]"), "[]");
}

TEST(NotSet, EmptyAsAFunctionArgument) {
  EXPECT_EQ(render("[%{std.tolower(req.http.missing)}V]"), "[]");
  EXPECT_EQ(render("[%{json.escape(req.http.Null)}V]"), "[]");
  EXPECT_EQ(render("%{std.strlen(req.http.missing)}V"), "0");
  EXPECT_EQ(render(R"(%{regsub(req.http.missing, "^", "start")}V)"), "start");
}

TEST(NotSet, FalseInABooleanPosition) {
  EXPECT_FALSE(holds("req.http.missing"));
  EXPECT_FALSE(holds("req.http.Null"));
  EXPECT_TRUE(holds("!req.http.missing"));
  EXPECT_FALSE(holds("req.http.missing && true"));
  EXPECT_TRUE(holds("req.http.missing || true"));
  EXPECT_FALSE(holds(R"(req.http.missing == "x")"));
  EXPECT_TRUE(holds(R"(req.http.missing != "x")"));
  EXPECT_FALSE(holds("req.http.missing > 0"));
}

TEST(NotSet, IfTakesTheElseBranch) {
  EXPECT_EQ(render(R"(%{if(req.http.missing, "a", "b")}V)"), "b");
  EXPECT_EQ(render(R"(%{if(req.http.Null, "a", "b")}V)"), "b");
  // An empty string is set: only not set is false (VCL's Varnish heritage).
  EXPECT_EQ(render(R"(%{if(req.http.Empty, "a", "b")}V)"), "a");
}

TEST(NotSet, ConcatenationPrintsNull) {
  EXPECT_EQ(render(R"(%{"x" + req.http.missing + "y"}V)"), "x(null)y");
  EXPECT_EQ(render(R"(%{"x" req.http.missing "y"}V)"), "x(null)y");
  EXPECT_EQ(render(R"(%{req.http.missing req.url}V)"), "(null)/a");
}

TEST(NotSet, DashFromApacheDirectives) {
  EXPECT_EQ(render("%{X-Missing}i %{X-Missing}o %{nope}C %A %B %b %H %m %I %O %D %T %v", "{}"),
            "- - - - - - - - - - - - -");
  EXPECT_EQ(render("%{Null}i", kRecord), "-");
  EXPECT_EQ(render("[%{Empty}i]", kRecord), "[]");
}

TEST(NotSet, SameVariableThreeWays) {
  EXPECT_EQ(render("%{X}i|%{req.http.X}V|[%{std.tolower(req.http.X)}V]", "{}"), "-|(null)|[]");
}

}  // namespace
}  // namespace sluice

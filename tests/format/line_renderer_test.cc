// LineRenderer: condition, then format, then the line rules, with every cut counted.
#include "format/line_renderer.h"

#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"

namespace sluice {
namespace {

LogFormat compiled(std::string_view format) {
  auto f = LogFormat::compile(format);
  if (!f.ok()) {
    ADD_FAILURE() << format << ": " << f.error().message();
    return std::move(LogFormat::compile("<bad format>").value());
  }
  return std::move(f).value();
}

std::optional<Condition> condition(std::string_view statement) {
  auto c = Condition::compile(statement);
  if (!c.ok()) {
    ADD_FAILURE() << statement << ": " << c.error().message();
    return std::nullopt;
  }
  return std::move(c).value();
}

Record decoded(std::string_view json) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
  }
  return record;
}

Record with_header(std::string_view value) {
  Record r;
  r.reserve_storage(value.size() + 16);
  r.add(r.store("req.http.X"), Value::string(r.store(value)));
  return r;
}

std::string render_one(LineRenderer& renderer, const Record& record) {
  EvalContext ctx;
  LineBuffer out;
  EXPECT_TRUE(renderer.render(record, ctx, out));
  return fmt::to_string(out);
}

TEST(LineRenderer, RendersAndCountsNothingForAPlainLine) {
  LineRenderer renderer(compiled("x=%{req.http.X}V"), std::nullopt);
  EXPECT_EQ(render_one(renderer, with_header("plain")), "x=plain");
  EXPECT_EQ(renderer.counters().cut_at_terminator, 0u);
  EXPECT_EQ(renderer.counters().truncated_at_limit, 0u);
  EXPECT_EQ(renderer.max_line_bytes(), kDefaultMaxLineBytes);
}

TEST(LineRenderer, CutsAtTheFirstNewline) {
  LineRenderer renderer(compiled("x=%{req.http.X}V;end"), std::nullopt);
  EXPECT_EQ(render_one(renderer, decoded(R"({"req.http.X":"one\ntwo"})")), "x=one");
  EXPECT_EQ(renderer.counters().cut_at_terminator, 1u);
  EXPECT_EQ(renderer.counters().truncated_at_limit, 0u);
}

TEST(LineRenderer, CutsAtNul) {
  LineRenderer renderer(compiled("x=%{req.http.X}V;end"), std::nullopt);
  EXPECT_EQ(render_one(renderer, decoded(R"({"req.http.X":"one\u0000two"})")), "x=one");
  EXPECT_EQ(renderer.counters().cut_at_terminator, 1u);
}

TEST(LineRenderer, CapsAt16KiB) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt);
  std::string line = render_one(renderer, with_header(std::string(20000, 'a')));
  EXPECT_EQ(line, std::string(16384, 'a'));
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
  EXPECT_EQ(renderer.counters().cut_at_terminator, 0u);
}

TEST(LineRenderer, CustomLimit) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt, 10);
  EXPECT_EQ(renderer.max_line_bytes(), 10u);
  EXPECT_EQ(render_one(renderer, with_header("0123456789abc")), "0123456789");
  EXPECT_EQ(render_one(renderer, with_header("0123456789")), "0123456789");
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
}

TEST(LineRenderer, LargeLimit) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt, kLargeMaxLineBytes);
  EXPECT_EQ(render_one(renderer, with_header(std::string(20000, 'b'))).size(), 20000u);
  EXPECT_EQ(render_one(renderer, with_header(std::string(70000, 'b'))).size(), 65536u);
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
}

TEST(LineRenderer, CapBacksOffToAUtf8Boundary) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt, 9);
  // 7 ASCII bytes then a 4-byte character that the limit would split.
  EXPECT_EQ(render_one(renderer, with_header("aaaaaaa\xF0\x9F\x98\x80zz")), "aaaaaaa");
  EXPECT_EQ(renderer.counters().truncated_at_limit, 1u);
}

TEST(LineRenderer, CountsEveryCut) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt, 100);
  render_one(renderer, with_header("a\nb"));
  render_one(renderer, with_header(std::string_view("a\0b", 3)));
  render_one(renderer, with_header(std::string(200, 'c')));
  // The limit ends this line: the newline past it is never reached (rendering stops past the
  // limit, see EvalContext::max_value_bytes), so it is not counted as a newline cut too.
  render_one(renderer, with_header(std::string(200, 'd') + "\n"));
  render_one(renderer, with_header(std::string(50, 'e') + "\n" + std::string(200, 'e')));
  render_one(renderer, with_header("fine"));
  EXPECT_EQ(renderer.counters().cut_at_terminator, 3u);
  EXPECT_EQ(renderer.counters().truncated_at_limit, 2u);
}

TEST(LineRenderer, AppendsToWhatTheBufferHolds) {
  LineRenderer renderer(compiled("%{req.http.X}V"), std::nullopt, 5);
  EvalContext ctx;
  LineBuffer out;
  EXPECT_TRUE(renderer.render(with_header("first line\nignored"), ctx, out));
  out.push_back('\n');
  EXPECT_TRUE(renderer.render(with_header("second"), ctx, out));
  out.push_back('\n');
  EXPECT_EQ(fmt::to_string(out), "first\nsecon\n");
  // Both lines end at the limit; the newline of the first lies past it.
  EXPECT_EQ(renderer.counters().cut_at_terminator, 0u);
  EXPECT_EQ(renderer.counters().truncated_at_limit, 2u);
}

TEST(LineRenderer, ConditionFalseRendersNothing) {
  LineRenderer renderer(compiled("%{req.http.X}V"), condition("resp.status >= 400"));
  EvalContext ctx;
  LineBuffer out;
  out.append(std::string_view("kept|"));
  Record ok = decoded(R"({"resp.status":200,"req.http.X":"a\nb"})");
  EXPECT_FALSE(renderer.render(ok, ctx, out));
  EXPECT_EQ(fmt::to_string(out), "kept|");
  EXPECT_EQ(renderer.counters().cut_at_terminator, 0u);

  Record error = decoded(R"({"resp.status":503,"req.http.X":"a\nb"})");
  EXPECT_TRUE(renderer.render(error, ctx, out));
  EXPECT_EQ(fmt::to_string(out), "kept|a");
  EXPECT_EQ(renderer.counters().cut_at_terminator, 1u);
}

// The condition's values are cut at the limit too, but a line that does not show them is not a
// cut line.
TEST(LineRenderer, AValueCutOnlyInTheConditionDoesNotCountTheLine) {
  LineRenderer renderer(compiled("short"),
                        condition(R"(std.strlen(regsuball(req.http.X, "a", "aaaa")) > 100)"));
  EXPECT_EQ(render_one(renderer, with_header(std::string(kDefaultMaxLineBytes, 'a'))), "short");
  EXPECT_EQ(renderer.counters().truncated_at_limit, 0u);
  LineRenderer shows(compiled(R"(%{regsuball(req.http.X, "a", "aaaa")}V)"), std::nullopt);
  EXPECT_EQ(render_one(shows, with_header(std::string(kDefaultMaxLineBytes, 'a'))).size(),
            kDefaultMaxLineBytes);
  EXPECT_EQ(shows.counters().truncated_at_limit, 1u);
}

TEST(LineRenderer, ConditionOnANotSetValueIsFalse) {
  LineRenderer renderer(compiled("x"), condition("req.http.missing"));
  EvalContext ctx;
  LineBuffer out;
  EXPECT_FALSE(renderer.render(decoded("{}"), ctx, out));
  EXPECT_EQ(out.size(), 0u);
}

TEST(LineRenderer, ConditionAndFormatShareTheContext) {
  // Both use the scratch arena; the condition's strings must not leak into the line.
  LineRenderer renderer(compiled(R"(%{std.toupper(req.url)}V %{regsub(req.url, "a", "b")}V)"),
                        condition(R"(std.tolower(req.method) == "get")"));
  EvalContext ctx;
  for (int i = 0; i < 3; ++i) {
    LineBuffer out;
    EXPECT_TRUE(renderer.render(decoded(R"({"req.method":"GET","req.url":"/a"})"), ctx, out));
    EXPECT_EQ(fmt::to_string(out), "/A /b");
  }
}

}  // namespace
}  // namespace sluice

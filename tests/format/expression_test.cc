// The VCL expression language: literals, variables, subfields, operators and their precedence.
#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/condition.h"
#include "format/expression.h"
#include "format/log_format.h"

namespace sluice {
namespace {

constexpr std::string_view kRequest = R"({
  "req.method": "GET",
  "req.url": "/img/cat.jpg?size=large",
  "req.http.Host": "www.example.com",
  "req.http.Cache-Control": "public, max-age=3600, s-maxage=\"60\"",
  "req.http.Cookie": "session=abc123; theme=dark; list=a,b",
  "req.http.Empty": "",
  "resp.status": 200,
  "resp.status.text": "200",
  "fastly.ff.visits_this_service": 0,
  "ratio": 1.5
})";

Record decoded(std::string_view json) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
  }
  return record;
}

// What a log position shows for the expression.
std::string show(std::string_view text, std::string_view json = kRequest) {
  Record record = decoded(json);
  auto expr = Expression::compile(text);
  if (!expr.ok()) {
    ADD_FAILURE() << "expression " << text << ": " << expr.error().message();
    return "<bad expression>";
  }
  EvalContext ctx;
  LineBuffer out;
  expr->render(record, ctx, out);
  return fmt::to_string(out);
}

// What a condition decides for the expression.
bool holds(std::string_view text, std::string_view json = kRequest) {
  Record record = decoded(json);
  auto condition = Condition::compile(text);
  if (!condition.ok()) {
    ADD_FAILURE() << "condition " << text << ": " << condition.error().message();
    return false;
  }
  EvalContext ctx;
  return condition->matches(record, ctx);
}

// The same expression inside a format, as %{...}V.
std::string in_format(std::string_view format, std::string_view json = kRequest) {
  Record record = decoded(json);
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

// ---- string literals ----

TEST(StringLiterals, ShortStrings) {
  EXPECT_EQ(show(R"("plain")"), "plain");
  EXPECT_EQ(show(R"("")"), "");
  EXPECT_EQ(show(R"("a\nb")"), R"(a\nb)");  // no backslash escapes in VCL strings
}

TEST(StringLiterals, ShortStringPercentEscapes) {
  EXPECT_EQ(show(R"("%22quoted%22")"), R"("quoted")");
  EXPECT_EQ(show(R"("a%2fb%2Fc")"), "a/b/c");
  EXPECT_EQ(show(R"("%F0%9F%8C%AE")"), "\xF0\x9F\x8C\xAE");
  EXPECT_EQ(show(R"("%25")"), "%");
}

TEST(StringLiterals, PercentNulEndsTheString) {
  EXPECT_EQ(show(R"("x%00y")"), "x");
  EXPECT_EQ(show(R"(std.strlen("abc%00def"))"), "3");
}

TEST(StringLiterals, NonEscapesStayLiteral) {
  EXPECT_EQ(show(R"("100%")"), "100%");
  EXPECT_EQ(show(R"("%zz %4 %")"), "%zz %4 %");
}

TEST(StringLiterals, LongStrings) {
  EXPECT_EQ(show(R"({"a "quoted" word"})"), R"(a "quoted" word)");
  EXPECT_EQ(show(R"({"%22 is not decoded"})"), "%22 is not decoded");
  EXPECT_EQ(show(R"({""})"), "");
  EXPECT_EQ(show(R"({"braces { } inside"})"), "braces { } inside");
}

TEST(StringLiterals, Heredocs) {
  EXPECT_EQ(show(R"({xyz"contains "} here"xyz})"), R"(contains "} here)");
  EXPECT_EQ(show(R"({EOF"a"b"EOF})"), R"(a"b)");
  EXPECT_EQ(show(R"({x""x})"), "");
}

TEST(StringLiterals, InAFormat) {
  EXPECT_EQ(in_format(R"([%{"a}b"}V])"), "[a}b]");
  EXPECT_EQ(in_format(R"([%{{"x}y"}}V])"), "[x}y]");
  EXPECT_EQ(in_format(R"([%{{"say "hi""}}V])"), R"([say "hi"])");
  EXPECT_EQ(in_format(R"([%{{xyz"a "} b"xyz}}V])"), R"([a "} b])");
  EXPECT_EQ(in_format(R"([%{"%22"}V])"), R"(["])");
  // Fastly's escaped braces, as in its strftime example.
  EXPECT_EQ(in_format(R"([%{\{"x"\}}V])"), "[x]");
}

// ---- numbers and booleans ----

TEST(Literals, NumbersAndBooleans) {
  EXPECT_EQ(show("42"), "42");
  EXPECT_EQ(show("-3"), "-3");
  EXPECT_EQ(show("1.5"), "1.500");
  EXPECT_EQ(show("true"), "1");
  EXPECT_EQ(show("false"), "0");
  EXPECT_TRUE(holds("true"));
  EXPECT_FALSE(holds("false"));
}

// ---- variables ----

TEST(Variables, HeaderNamesIgnoreCase) {
  EXPECT_EQ(show("req.http.host"), "www.example.com");
  EXPECT_EQ(show("req.http.HOST"), "www.example.com");
  EXPECT_EQ(show("REQ.HTTP.Host"), "www.example.com");
}

TEST(Variables, TypedValues) {
  EXPECT_EQ(show("resp.status"), "200");
  EXPECT_EQ(show("ratio"), "1.500");
  EXPECT_EQ(show("fastly.ff.visits_this_service"), "0");
}

// ---- header subfields ----

TEST(HeaderSubfields, CommaSeparatedHeaders) {
  EXPECT_EQ(show("req.http.Cache-Control:max-age"), "3600");
  EXPECT_EQ(show("req.http.cache-control:MAX-AGE"), "3600");
  EXPECT_EQ(show("req.http.Cache-Control:s-maxage"), "60");  // quotes removed
  EXPECT_EQ(show("req.http.Cache-Control:public"), "");      // a bare key is set and empty
  EXPECT_EQ(show("req.http.Cache-Control:private"), "(null)");
  EXPECT_EQ(show("req.http.missing:max-age"), "(null)");
}

TEST(HeaderSubfields, CookiesSplitOnSemicolons) {
  EXPECT_EQ(show("req.http.Cookie:theme"), "dark");
  EXPECT_EQ(show("req.http.Cookie:session"), "abc123");
  EXPECT_EQ(show("req.http.cookie:list"), "a,b");  // a ',' does not split a cookie
  EXPECT_EQ(show("req.http.Cookie:absent"), "(null)");
}

TEST(HeaderSubfields, InConditionsAndComparisons) {
  EXPECT_TRUE(holds("req.http.Cache-Control:max-age"));
  EXPECT_FALSE(holds("req.http.Cache-Control:private"));
  EXPECT_TRUE(holds(R"(req.http.Cache-Control:max-age == "3600")"));
  EXPECT_TRUE(holds("req.http.Cache-Control:max-age == 3600"));
  EXPECT_TRUE(holds(R"(req.http.Cookie:theme == "dark")"));
}

// ---- if() ----

TEST(If, ChoosesByTruth) {
  EXPECT_EQ(show(R"(if(resp.status == 200, "ok", "error"))"), "ok");
  EXPECT_EQ(show(R"(if(resp.status == 404, "ok", "error"))"), "error");
  EXPECT_EQ(show(R"(if(req.http.Host, "present", "absent"))"), "present");
  EXPECT_EQ(show(R"(if(req.http.missing, "present", "absent"))"), "absent");
}

TEST(If, NestsAndReturnsAnyValue) {
  EXPECT_EQ(show(R"(if(false, "a", if(true, "b", "c")))"), "b");
  EXPECT_EQ(show(R"(if(true, resp.status, "x"))"), "200");
  EXPECT_EQ(show(R"(if(true, req.http.missing, "x"))"), "(null)");
}

// ---- comparisons ----

TEST(Comparisons, Integers) {
  EXPECT_TRUE(holds("resp.status == 200"));
  EXPECT_FALSE(holds("resp.status != 200"));
  EXPECT_TRUE(holds("resp.status != 404"));
  EXPECT_TRUE(holds("resp.status < 201"));
  EXPECT_FALSE(holds("resp.status < 200"));
  EXPECT_TRUE(holds("resp.status <= 200"));
  EXPECT_FALSE(holds("resp.status <= 199"));
  EXPECT_TRUE(holds("resp.status > 199"));
  EXPECT_FALSE(holds("resp.status > 200"));
  EXPECT_TRUE(holds("resp.status >= 200"));
  EXPECT_FALSE(holds("resp.status >= 400"));
  EXPECT_TRUE(holds("-1 < 0"));
}

TEST(Comparisons, Floats) {
  EXPECT_TRUE(holds("ratio > 1"));
  EXPECT_TRUE(holds("ratio == 1.5"));
  EXPECT_FALSE(holds("ratio < 1.5"));
}

TEST(Comparisons, Strings) {
  EXPECT_TRUE(holds(R"(req.method == "GET")"));
  EXPECT_FALSE(holds(R"(req.method == "get")"));  // values compare exactly
  EXPECT_TRUE(holds(R"(req.method != "POST")"));
  EXPECT_TRUE(holds(R"("abc" < "abd")"));
  EXPECT_TRUE(holds(R"("abd" >= "abc")"));
  EXPECT_FALSE(holds(R"("abc" > "abc")"));
}

TEST(Comparisons, NumericTextAgainstANumber) {
  EXPECT_TRUE(holds(R"("200" == 200)"));
  EXPECT_TRUE(holds(R"(200 == "200")"));
  EXPECT_TRUE(holds(R"(resp.status == "200")"));
  EXPECT_TRUE(holds("resp.status.text == 200"));
  EXPECT_TRUE(holds("resp.status.text >= 200"));
  EXPECT_FALSE(holds(R"("200x" == 200)"));
}

TEST(Comparisons, RenderAsBooleans) {
  EXPECT_EQ(show("resp.status == 200"), "1");
  EXPECT_EQ(show("resp.status >= 400"), "0");
}

// ---- regex match ----

TEST(RegexMatch, MatchAndNotMatch) {
  EXPECT_TRUE(holds(R"(req.url ~ "^/img/")"));
  EXPECT_FALSE(holds(R"(req.url ~ "^/css/")"));
  EXPECT_FALSE(holds(R"(req.url !~ "^/img/")"));
  EXPECT_TRUE(holds(R"(req.url !~ "^/css/")"));
  EXPECT_TRUE(holds(R"(req.url ~ "cat")"));  // partial match, not anchored
}

TEST(RegexMatch, Re2Syntax) {
  EXPECT_TRUE(holds(R"(req.url ~ {"\.jpg\?"})"));
  EXPECT_TRUE(holds(R"(req.url ~ "(?i)^/IMG/")"));
  EXPECT_FALSE(holds(R"(req.url ~ "^/IMG/")"));
  EXPECT_TRUE(holds(R"(req.http.Host ~ {"^w{3}\.[a-z]+\.com$"})"));
  EXPECT_TRUE(holds(R"(resp.status ~ "^2\d\d$")"));  // a number matches as its text
}

TEST(RegexMatch, InAFormat) {
  EXPECT_EQ(in_format(R"(%{if(req.url ~ "^/img/c{1}at", "y", "n")}V)"), "y");
}

// ---- boolean operators ----

TEST(BooleanOperators, Basics) {
  EXPECT_TRUE(holds("true && true"));
  EXPECT_FALSE(holds("true && false"));
  EXPECT_TRUE(holds("false || true"));
  EXPECT_FALSE(holds("false || false"));
  EXPECT_TRUE(holds("!false"));
  EXPECT_FALSE(holds("!true"));
  EXPECT_TRUE(holds("!!true"));
}

TEST(BooleanOperators, AndBindsTighterThanOr) {
  EXPECT_TRUE(holds("true || false && false"));
  EXPECT_TRUE(holds("false && false || true"));
}

TEST(BooleanOperators, NotBindsTighterThanAnd) {
  EXPECT_FALSE(holds("!false && false"));
  EXPECT_TRUE(holds("!false || false"));
}

TEST(BooleanOperators, ComparisonsBindTighterThanLogic) {
  EXPECT_TRUE(holds(R"(resp.status == 200 && req.method == "GET")"));
  EXPECT_TRUE(holds(R"(resp.status == 404 || req.url ~ "cat")"));
  EXPECT_FALSE(holds(R"(!req.url ~ "cat")"));
}

TEST(BooleanOperators, Parentheses) {
  EXPECT_FALSE(holds("(true || false) && false"));
  EXPECT_TRUE(holds("true || (false && false)"));
  EXPECT_TRUE(holds("!(false && true)"));
  EXPECT_TRUE(holds("((((resp.status == 200))))"));
}

TEST(BooleanOperators, RenderAsBooleans) {
  EXPECT_EQ(show("true && false"), "0");
  EXPECT_EQ(show("!req.http.missing"), "1");
}

// ---- concatenation ----

TEST(Concatenation, PlusAndJuxtaposition) {
  EXPECT_EQ(show(R"("a" + "b")"), "ab");
  EXPECT_EQ(show(R"("a" "b")"), "ab");
  EXPECT_EQ(show(R"("status=" resp.status "; host=" + req.http.Host)"),
            "status=200; host=www.example.com");
  EXPECT_EQ(show(R"("x" + 1 + 2)"), "x12");
  EXPECT_EQ(show(R"("r=" ratio)"), "r=1.500");
}

TEST(Concatenation, WithFunctionsAndParentheses) {
  EXPECT_EQ(show(R"("<" std.toupper(req.method) ">")"), "<GET>");
  EXPECT_EQ(show(R"(("a" "b") + ("c"))"), "abc");
}

TEST(Concatenation, BindsTighterThanComparison) {
  EXPECT_TRUE(holds(R"("a" "b" == "ab")"));
  EXPECT_TRUE(holds(R"(req.method + "!" == "GET!")"));
}

TEST(Concatenation, InAFormat) {
  EXPECT_EQ(in_format(R"(%{"%22" + req.method + "%22"}V)"), R"("GET")");
}

// ---- the seeds' conditions and fragments ----

TEST(SeedExpressions, EdgeOnlyCondition) {
  EXPECT_TRUE(holds("fastly.ff.visits_this_service == 0"));
  EXPECT_FALSE(
      holds("fastly.ff.visits_this_service == 0", R"({"fastly.ff.visits_this_service":1})"));
  EXPECT_FALSE(holds("fastly.ff.visits_this_service == 0", "{}"));
}

TEST(SeedExpressions, ErrorsOnlyCondition) {
  EXPECT_FALSE(holds("resp.status >= 400"));
  EXPECT_TRUE(holds("resp.status >= 400", R"({"resp.status":503})"));
}

TEST(Expression, SourceIsKept) {
  auto expr = Expression::compile("req.url ~ \"x\"");
  ASSERT_TRUE(expr.ok());
  EXPECT_EQ(expr->source(), "req.url ~ \"x\"");
  auto condition = Condition::compile("true");
  ASSERT_TRUE(condition.ok());
  EXPECT_EQ(condition->source(), "true");
}

TEST(Expression, AsVariableOnlyForAPlainVariable) {
  auto var = Expression::compile("req.http.Host");
  ASSERT_TRUE(var.ok());
  ASSERT_NE(var->as_variable(), nullptr);
  EXPECT_EQ(var->as_variable()->name, "req.http.Host");
  auto call = Expression::compile("std.tolower(req.http.Host)");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->as_variable(), nullptr);
}

TEST(Expression, WhitespaceIsFree) {
  EXPECT_EQ(show(" \t if ( resp.status==200 ,\"a\" ,\n\"b\" ) "), "a");
}

TEST(Expression, EvaluatesAgainstManyRecords) {
  auto expr = Expression::compile(R"(std.toupper(req.method) + " " + req.url)");
  ASSERT_TRUE(expr.ok());
  EvalContext ctx;
  const char* records[] = {R"({"req.method":"get","req.url":"/a"})",
                           R"({"req.method":"post","req.url":"/b"})", "{}"};
  const char* expected[] = {"GET /a", "POST /b", " (null)"};
  for (int i = 0; i < 3; ++i) {
    Record record = decoded(records[i]);
    LineBuffer out;
    ctx.arena.reset();
    expr->render(record, ctx, out);
    EXPECT_EQ(fmt::to_string(out), expected[i]);
  }
}

}  // namespace
}  // namespace sluice

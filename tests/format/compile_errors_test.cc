// Formats and conditions are compiled once; a bad one is rejected with the column the user
// wrote and a reason.
#include <string>

#include <gtest/gtest.h>

#include "format/condition.h"
#include "format/expression.h"
#include "format/log_format.h"

namespace sluice {
namespace {

::testing::AssertionResult has(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << '"' << text << "\" does not contain \"" << part << '"';
}

std::string format_error(std::string_view format, FormatVersion version = FormatVersion::kV2) {
  auto compiled = LogFormat::compile(format, version);
  if (compiled.ok()) {
    ADD_FAILURE() << "compiled without error: " << format;
    return "";
  }
  return compiled.error().message();
}

std::string expression_error(std::string_view text) {
  auto compiled = Expression::compile(text);
  if (compiled.ok()) {
    ADD_FAILURE() << "compiled without error: " << text;
    return "";
  }
  return compiled.error().message();
}

std::string condition_error(std::string_view text) {
  auto compiled = Condition::compile(text);
  if (compiled.ok()) {
    ADD_FAILURE() << "compiled without error: " << text;
    return "";
  }
  return compiled.error().message();
}

// ---- unknown functions ----

TEST(CompileErrors, UnknownFunctionWithSuggestion) {
  std::string e = format_error("%{std.tolowerr(req.url)}V");
  EXPECT_TRUE(has(e, "col 3: unknown function std.tolowerr"));
  EXPECT_TRUE(has(e, "did you mean std.tolower"));
}

TEST(CompileErrors, UnknownFunctionWithoutSuggestion) {
  std::string e = format_error("%{foo.bar(1)}V");
  EXPECT_TRUE(has(e, "col 3: unknown function foo.bar"));
  EXPECT_FALSE(has(e, "did you mean"));
}

TEST(CompileErrors, FunctionNamesAreCaseSensitive) {
  EXPECT_TRUE(has(format_error("%{STD.TOLOWER(req.url)}V"), "unknown function STD.TOLOWER"));
}

TEST(CompileErrors, ColumnOfAnExpressionLaterInTheFormat) {
  // {"a":"   is columns 1-6, %{req.url}V 7-17, ","b":" 18-24, % 25, { 26, s 27.
  std::string e = format_error(R"({"a":"%{req.url}V","b":"%{std.tolowerr(req.url)}V"})");
  EXPECT_TRUE(has(e, "col 27: unknown function std.tolowerr"));
  EXPECT_TRUE(has(e, "did you mean std.tolower"));
}

TEST(CompileErrors, ColumnCountsEscapedBraces) {
  // The \{ and \} before the error each take a column in what the user wrote.
  std::string e = format_error(R"(%{strftime(\{"%Y"\}, time.start) + std.tolowerr(req.url)}V)");
  EXPECT_TRUE(has(e, "col 36: unknown function std.tolowerr"));
}

TEST(CompileErrors, ColumnInAStandaloneExpression) {
  EXPECT_TRUE(has(expression_error("  std.tolowerr(x)"), "col 3: unknown function"));
  EXPECT_TRUE(has(condition_error(R"(req.url ~ "x" && nope(1))"), "col 18: unknown function nope"));
}

// ---- directives ----

TEST(CompileErrors, UnknownDirective) {
  EXPECT_TRUE(has(format_error("%Z"), "col 1: unknown directive %Z"));
  EXPECT_TRUE(has(format_error("abc %Z"), "col 5: unknown directive %Z"));
  EXPECT_TRUE(has(format_error("%h %j"), "col 4: unknown directive %j"));
  EXPECT_TRUE(has(format_error("%{x}Z"), "col 1: %{...} must be followed by a directive letter"));
}

TEST(CompileErrors, UnterminatedArgument) {
  EXPECT_TRUE(has(format_error("x %{req.url"), "col 3: unterminated %{"));
  EXPECT_TRUE(has(format_error("%{"), "col 1: unterminated %{"));
}

TEST(CompileErrors, MissingLetterAfterArgument) {
  EXPECT_TRUE(has(format_error("%{req.url}"), "missing directive letter"));
}

TEST(CompileErrors, PercentAtTheEnd) {
  EXPECT_TRUE(has(format_error("abc %"), "col 5: '%' at the end"));
  EXPECT_TRUE(has(format_error("%"), "col 1: '%' at the end"));
}

TEST(CompileErrors, DirectiveArgumentsAreChecked) {
  EXPECT_TRUE(has(format_error("%{}i"), "%i needs a name"));
  EXPECT_TRUE(has(format_error("%{}o"), "%o needs a name"));
  EXPECT_TRUE(has(format_error("%{}C"), "%C needs a name"));
  EXPECT_TRUE(has(format_error("%{bogus}p"), "canonical, local or remote"));
  EXPECT_TRUE(has(format_error("%{x}a"), "%a does not take a {...} argument"));
  EXPECT_TRUE(has(format_error("%>x"), "col 1: '>' and '<' are only supported in %>s"));
  EXPECT_TRUE(has(format_error("%{}V"), "empty expression"));
  EXPECT_TRUE(has(format_error("%{  }V"), "empty expression"));
}

TEST(CompileErrors, SameChecksInVersion1) {
  EXPECT_TRUE(has(format_error("%Z", FormatVersion::kV1), "unknown directive %Z"));
  EXPECT_TRUE(has(format_error("%{std.tolowerr(x)}V", FormatVersion::kV1), "col 3"));
}

// ---- regexes ----

TEST(CompileErrors, BadRegexInMatchNamesItsColumn) {
  // a b c _ % { r e q . u r l _ ~ _ "
  // 1 2 3 4 5 6 7 ...        13 14 15 16 17
  std::string e = format_error(R"(abc %{req.url ~ "("}V)");
  EXPECT_TRUE(has(e, "col 17: bad regex"));
  EXPECT_TRUE(has(e, "missing )"));
}

TEST(CompileErrors, PcreOnlySyntaxIsRejectedByRe2) {
  EXPECT_TRUE(has(format_error(R"(%{req.url ~ "(a)\1"}V)"), "col 13: bad regex"));
  EXPECT_TRUE(has(format_error(R"re(%{req.url !~ "a(?=b)"}V)re"), "col 14: bad regex"));
}

TEST(CompileErrors, BadRegexInRegsub) {
  EXPECT_TRUE(has(format_error(R"(%{regsub(req.url, "[", "x")}V)"), "col 19: bad regex"));
  EXPECT_TRUE(has(format_error(R"(%{regsuball(req.url, "*", "x")}V)"), "col 22: bad regex"));
}

TEST(CompileErrors, BadReplacement) {
  // Group 2 does not exist in a pattern with one group.
  EXPECT_TRUE(
      has(format_error(R"re(%{regsub(req.url, "(a)", "\2")}V)re"), "col 26: bad replacement"));
}

TEST(CompileErrors, RegexMustBeALiteral) {
  EXPECT_TRUE(has(format_error("%{regsub(req.url, req.http.p, \"x\")}V"),
                  "col 3: the pattern of regsub must be a string literal"));
  EXPECT_TRUE(has(format_error("%{regsuball(req.url, \"a\" + \"b\", \"x\")}V"),
                  "the pattern of regsuball must be a string literal"));
  EXPECT_TRUE(has(format_error("%{req.url ~ req.http.p}V"),
                  "col 13: the right side of ~ must be a string literal"));
  EXPECT_TRUE(has(condition_error("req.url !~ 5"), "col 12: the right side of !~ must be"));
}

// ---- arity ----

TEST(CompileErrors, WrongArity) {
  EXPECT_TRUE(has(format_error("%{std.tolower()}V"), "col 3: std.tolower takes 1 argument, got 0"));
  EXPECT_TRUE(
      has(format_error(R"(%{std.tolower("a", "b")}V)"), "std.tolower takes 1 argument, got 2"));
  EXPECT_TRUE(has(format_error(R"(%{substr("a")}V)"), "substr takes 2 to 3 arguments, got 1"));
  EXPECT_TRUE(has(format_error(R"(%{regsub("a", "b")}V)"), "regsub takes 3 arguments, got 2"));
  EXPECT_TRUE(has(format_error("%{uuid.version4(1)}V"), "uuid.version4 takes 0 arguments, got 1"));
  EXPECT_TRUE(has(format_error(R"(%{if(true, "a")}V)"), "col 3: if() takes 3 arguments"));
  EXPECT_TRUE(has(format_error(R"(x %{"a" + if(true, "a", "b", "c")}V)"),
                  "col 11: if() takes 3 arguments"));
}

TEST(CompileErrors, SubfieldSeparatorIsOneCharacter) {
  EXPECT_TRUE(has(format_error(R"(%{subfield(req.url, "a", "ab")}V)"),
                  "separator of subfield must be one character"));
}

// ---- strings ----

TEST(CompileErrors, UnterminatedString) {
  EXPECT_TRUE(has(expression_error(R"("abc)"), "col 1: unterminated string"));
  EXPECT_TRUE(has(expression_error(R"(std.tolower("abc))"), "col 13: unterminated string"));
  EXPECT_TRUE(has(format_error(R"(x %{"abc}V)"), "col 5: unterminated string"));
}

TEST(CompileErrors, UnterminatedLongString) {
  EXPECT_TRUE(has(expression_error(R"({"abc)"), "col 1: unterminated long string"));
  EXPECT_TRUE(has(expression_error(R"({xyz"abc"xy})"), "unterminated long string"));
}

// ---- syntax ----

TEST(CompileErrors, Syntax) {
  EXPECT_TRUE(has(expression_error("req.url )"), "col 9: unexpected ')' after the expression"));
  EXPECT_TRUE(has(expression_error("(req.url"), "col 9: expected ')'"));
  EXPECT_TRUE(has(expression_error("req.url =="), "expected a value, found the end"));
  EXPECT_TRUE(has(expression_error("req.url == ,"), "col 12: expected a value, found ','"));
  EXPECT_TRUE(has(expression_error("req.url # x"), "col 9: unexpected character '#'"));
  EXPECT_TRUE(has(expression_error("std.tolower(req.url"),
                  "expected ',' or ')' in the arguments of std.tolower"));
  EXPECT_TRUE(has(expression_error("99999999999999999999"), "out of range"));
  EXPECT_TRUE(has(expression_error(""), "expected a value"));
  EXPECT_TRUE(has(condition_error("resp.status >"), "expected a value"));
  EXPECT_TRUE(has(condition_error("a == b == c"), "col 8: unexpected '=='"));
}

TEST(CompileErrors, NestedTooDeeply) {
  std::string parens = std::string(100, '(') + "1" + std::string(100, ')');
  EXPECT_TRUE(has(expression_error(parens), "expression nested too deeply"));
  std::string nots = std::string(100, '!') + "true";
  EXPECT_TRUE(has(expression_error(nots), "expression nested too deeply"));
  std::string calls;
  for (int i = 0; i < 100; ++i) calls += "std.tolower(";
  calls += "\"x\"" + std::string(100, ')');
  EXPECT_TRUE(has(expression_error(calls), "expression nested too deeply"));
  EXPECT_TRUE(has(format_error("%{" + parens + "}V"), "expression nested too deeply"));
}

TEST(CompileErrors, ModerateNestingIsFine) {
  std::string parens = std::string(30, '(') + "1" + std::string(30, ')');
  EXPECT_TRUE(Expression::compile(parens).ok());
  std::string calls;
  for (int i = 0; i < 30; ++i) calls += "std.tolower(";
  calls += "\"x\"" + std::string(30, ')');
  EXPECT_TRUE(Expression::compile(calls).ok());
}

TEST(CompileErrors, ConditionsReportLikeFormats) {
  EXPECT_TRUE(has(condition_error(R"(req.url ~ "(")"), "col 11: bad regex"));
  EXPECT_TRUE(has(condition_error("std.tolowerr(req.url)"), "did you mean std.tolower"));
}

}  // namespace
}  // namespace sluice

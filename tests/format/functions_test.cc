// The VCL functions of DESIGN "Format language", with Fastly's documented semantics
// (fastly.com/documentation/reference/vcl/functions/...).
#include <cctype>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/expression.h"
#include "format/log_format.h"

namespace sluice {
namespace {

// What a %{...}V position shows for `text` against the record `json`.
std::string show(std::string_view text, std::string_view json = "{}") {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st.ok()) {
    ADD_FAILURE() << "record: " << st.error().message();
    return "<bad record>";
  }
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

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---- json.escape ----

TEST(JsonEscape, PlainTextPassesThrough) {
  EXPECT_EQ(show(R"(json.escape("hello world / 123"))"), "hello world / 123");
  EXPECT_EQ(show(R"(json.escape(""))"), "");
}

TEST(JsonEscape, QuotesAndBackslash) {
  EXPECT_EQ(show(R"(json.escape({"say "hi" \ bye"}))"), R"(say \"hi\" \\ bye)");
}

TEST(JsonEscape, ControlCharacters) {
  EXPECT_EQ(show("json.escape(req.http.X)", R"({"req.http.X":"\b\f\n\r\t"})"), R"(\b\f\n\r\t)");
  EXPECT_EQ(show("json.escape(req.http.X)", R"({"req.http.X":"a\u0000b\u0001c\u001fd\u007fe"})"),
            R"(a\u0000b\u0001c\u001Fd\u007Fe)");
}

TEST(JsonEscape, LineAndParagraphSeparators) {
  EXPECT_EQ(show("json.escape(req.http.X)", R"({"req.http.X":"a\u2028b\u2029c"})"),
            R"(a\u2028b\u2029c)");
}

TEST(JsonEscape, NonAsciiInTheBmpIsKept) {
  EXPECT_EQ(show("json.escape(req.http.X)", R"({"req.http.X":"caf\u00e9 \u65e5\u672c"})"),
            "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(JsonEscape, AstralPlaneBecomesASurrogatePair) {
  EXPECT_EQ(show("json.escape(req.http.X)", R"({"req.http.X":"\ud83d\ude00!"})"),
            R"(\uD83D\uDE00!)");
  EXPECT_EQ(show(R"(json.escape("%F0%9F%8C%AE"))"), R"(\uD83C\uDF2E)");  // U+1F32E
  EXPECT_EQ(show(R"(json.escape("%F4%8F%BF%BF"))"), R"(\uDBFF\uDFFF)");  // U+10FFFF
}

TEST(JsonEscape, InvalidUtf8IsNotSet) {
  EXPECT_EQ(show(R"(json.escape("%FF"))"), "(null)");
  EXPECT_EQ(show(R"(json.escape("ok%C3"))"), "(null)");         // truncated sequence
  EXPECT_EQ(show(R"(json.escape("%C0%AF"))"), "(null)");        // overlong '/'
  EXPECT_EQ(show(R"(json.escape("%ED%A0%80"))"), "(null)");     // a lone surrogate
  EXPECT_EQ(show(R"(json.escape("%F4%90%80%80"))"), "(null)");  // beyond U+10FFFF
  EXPECT_EQ(show(R"(json.escape("%80"))"), "(null)");           // stray continuation
  // Not set inside a function is "".
  EXPECT_EQ(show(R"(std.strlen(json.escape("%FF")))"), "0");
}

TEST(JsonEscape, NotSetArgumentIsEmpty) {
  EXPECT_EQ(show("json.escape(req.http.missing)"), "");
}

// ---- strftime ----

constexpr std::string_view kTimes =
    R"({"time.start":"2026-11-21T08:00:00.999500Z","time.elapsed.usec":1834})";

TEST(Strftime, FormatsTimeStart) {
  EXPECT_EQ(show(R"(strftime({"%Y-%m-%dT%H:%M:%S%z"}, time.start))", kTimes),
            "2026-11-21T08:00:00+0000");
  EXPECT_EQ(show(R"(strftime({"%a, %d %b %Y %H:%M:%S %Z"}, time.start))", kTimes),
            "Sat, 21 Nov 2026 08:00:00 GMT");
}

TEST(Strftime, FormatsTimeEnd) {
  EXPECT_EQ(show(R"(strftime({"%H:%M:%S"}, time.end))", kTimes), "08:00:01");
}

TEST(Strftime, ShortStringFormatWithPercentEscapes) {
  // In a short string "%25" is how a '%' is written.
  EXPECT_EQ(show(R"(strftime("%25Y", time.start))", kTimes), "2026");
}

TEST(Strftime, AcceptsEpochSecondsAndRfc3339Text) {
  EXPECT_EQ(show(R"(strftime({"%Y-%m-%d"}, 0))"), "1970-01-01");
  EXPECT_EQ(show(R"(strftime({"%H:%M"}, "2026-11-21T10:30:00Z"))"), "10:30");
}

TEST(Strftime, NoTimeIsNotSet) {
  EXPECT_EQ(show(R"(strftime({"%Y"}, time.start))"), "(null)");
}

// A format renders %{strftime({"..."}, time.start)}V from the record's parsed start time instead
// of evaluating the call. Whatever the record carries, that must show what the evaluator shows
// (here through a concatenation with "", which the shortcut does not take).
TEST(Strftime, FormatShortcutForTimeStartAgreesWithTheEvaluator) {
  const char* records[] = {
      R"({"time.start":"2026-11-21T08:00:00.999500Z"})",
      R"({"time.start":"2026-11-21T08:00:00+09:00"})",
      R"({"time.start":1795248000})",
      R"({"time.start":1795248000.75})",
      R"({"time.start":"not a time"})",
      R"({"time.start":"99999-01-01T00:00:00Z"})",
      R"({"time.start":-99999999999999})",
      R"({"time.start":true})",
      R"({"time.start.sec":1795248000})",
      R"({"time.start.msec":1795248000123})",
      R"({"time.end":"2026-11-21T08:00:01Z","time.elapsed.usec":1834})",
      R"({})",
  };
  for (const char* json : records) {
    RecordDecoder decoder;
    Record record;
    ASSERT_TRUE(decoder.decode(json, record).ok()) << json;
    auto shortcut = LogFormat::compile(R"(<%{strftime({"%Y-%m-%d %H:%M:%S %z"}, time.start)}V>)");
    auto general =
        LogFormat::compile(R"(<%{strftime({"%Y-%m-%d %H:%M:%S %z"}, time.start) + ""}V>)");
    ASSERT_TRUE(shortcut.ok() && general.ok());
    EvalContext ctx;
    LineBuffer a, b;
    shortcut->render(record, ctx, a);
    general->render(record, ctx, b);
    EXPECT_EQ(fmt::to_string(a), fmt::to_string(b)) << json;
  }
}

// ---- std.tolower / std.toupper ----

TEST(ChangeCase, AsciiLettersOnly) {
  EXPECT_EQ(show(R"(std.tolower("HeLLo World-123"))"), "hello world-123");
  EXPECT_EQ(show(R"(std.toupper("HeLLo World-123"))"), "HELLO WORLD-123");
  EXPECT_EQ(show(R"(std.tolower(req.http.Host))", R"({"req.http.Host":"WWW.Example.COM"})"),
            "www.example.com");
  EXPECT_EQ(show(R"(std.toupper(""))"), "");
  EXPECT_EQ(show("std.toupper(req.http.missing)"), "");
}

// ---- std.strlen ----

TEST(Strlen, CountsBytes) {
  EXPECT_EQ(show(R"(std.strlen("Hello world!"))"), "12");
  EXPECT_EQ(show(R"(std.strlen(""))"), "0");
  EXPECT_EQ(show(R"(std.strlen("%C3%A9"))"), "2");
  EXPECT_EQ(show("std.strlen(req.http.missing)"), "0");
  EXPECT_EQ(show("std.strlen(resp.status)", R"({"resp.status":503})"), "3");
}

// ---- std.prefixof / std.suffixof ----

TEST(PrefixOf, TrueWhenTheStringBeginsWithIt) {
  EXPECT_EQ(show(R"(std.prefixof("abcdef", "abc"))"), "1");
  EXPECT_EQ(show(R"(std.prefixof("abcdef", "abcdef"))"), "1");
  EXPECT_EQ(show(R"(std.prefixof("abcdef", "bc"))"), "0");
  EXPECT_EQ(show(R"(std.prefixof("ab", "abc"))"), "0");
  EXPECT_EQ(show(R"(std.prefixof("abcdef", "ABC"))"), "0");
}

TEST(PrefixOf, EmptyPrefixIsFalse) {
  EXPECT_EQ(show(R"(std.prefixof("abc", ""))"), "0");
  EXPECT_EQ(show(R"(std.prefixof("", ""))"), "0");
}

TEST(SuffixOf, TrueWhenTheStringEndsWithIt) {
  EXPECT_EQ(show(R"(std.suffixof("image.jpg", ".jpg"))"), "1");
  EXPECT_EQ(show(R"(std.suffixof("image.jpg", "image"))"), "0");
  EXPECT_EQ(show(R"(std.suffixof("g", "jpg"))"), "0");
  EXPECT_EQ(show(R"(std.suffixof("abc", ""))"), "0");
}

// ---- std.atoi ----

TEST(Atoi, LeadingIntegerOfAString) {
  EXPECT_EQ(show(R"(std.atoi("12abc"))"), "12");
  EXPECT_EQ(show(R"(std.atoi("-5"))"), "-5");
  EXPECT_EQ(show(R"(std.atoi("  42 "))"), "42");
  EXPECT_EQ(show(R"(std.atoi(""))"), "0");
  EXPECT_EQ(show(R"(std.atoi("abc"))"), "0");
  EXPECT_EQ(show("std.atoi(req.http.missing)"), "0");
  EXPECT_EQ(show("std.atoi(resp.status)", R"({"resp.status":404})"), "404");
}

TEST(Atoi, OverflowSaturates) {
  EXPECT_EQ(show(R"(std.atoi("99999999999999999999"))"), "9223372036854775807");
  EXPECT_EQ(show(R"(std.atoi("-99999999999999999999"))"), "-9223372036854775808");
}

TEST(Atoi, ResultIsAnInteger) {
  EXPECT_EQ(show(R"(if(std.atoi("12abc") == 12, "int", "not"))"), "int");
  EXPECT_EQ(show(R"(if(std.atoi("7") > 10, "big", "small"))"), "small");
}

// ---- substr (the examples of Fastly's reference page) ----

TEST(Substr, OffsetAndLength) {
  EXPECT_EQ(show(R"(substr("abcdefg", 0, 3))"), "abc");
  EXPECT_EQ(show(R"(substr("foobar", 2, 3))"), "oba");
  EXPECT_EQ(show(R"(substr("abcdefg", 2))"), "cdefg");
}

TEST(Substr, PartlyOutsideIsTruncated) {
  EXPECT_EQ(show(R"(substr("abcdefg", 5, 3))"), "fg");
}

TEST(Substr, EntirelyOutsideIsNotSet) {
  EXPECT_EQ(show(R"(substr("abc", 4, 2))"), "(null)");
  EXPECT_EQ(show(R"(substr("abc", 4))"), "(null)");
  EXPECT_EQ(show(R"(substr("abc", 3, 2))"), "");  // the documented edge case
}

TEST(Substr, NegativeOffsetCountsFromTheEnd) {
  EXPECT_EQ(show(R"(substr("abcdefg", -3, 2))"), "ef");
  EXPECT_EQ(show(R"(substr("foobar", -3))"), "bar");
}

TEST(Substr, NegativeLengthCountsBackFromTheEnd) {
  EXPECT_EQ(show(R"(substr("abcdefg", 1, -3))"), "bcd");
  // Fastly's page says "de" here, which no reading of its own rule gives (and contradicts its
  // (1, -3) example); start 3, end 7 - 3 = 4 is "d", as Perl's substr and Falco have it.
  EXPECT_EQ(show(R"(substr("abcdefg", -4, -3))"), "d");
}

TEST(Substr, ArgumentsFromVariables) {
  EXPECT_EQ(show("substr(req.url, 1, 3)", R"({"req.url":"/images/a.png"})"), "ima");
  EXPECT_EQ(show("substr(req.url, 0, 1)"), "");  // not set reads as ""
}

// ---- regsub / regsuball ----

TEST(Regsub, ReplacesTheFirstMatch) {
  EXPECT_EQ(show(R"(regsub("hello world", "o", "0"))"), "hell0 world");
  EXPECT_EQ(show(R"(regsuball("hello world", "o", "0"))"), "hell0 w0rld");
}

TEST(Regsub, Backreferences) {
  EXPECT_EQ(show(R"(regsub(req.url, "^/([^/]+)/(.*)$", {"\2-\1"}))", R"({"req.url":"/foo/bar"})"),
            "bar-foo");
  EXPECT_EQ(show(R"re(regsuball("a1b22c333", "([0-9]+)", {"<\1>"}))re"), "a<1>b<22>c<333>");
  // A backreference is one digit; the digits after it are literal.
  EXPECT_EQ(show(R"re(regsub("abc", "(b)", {"\100"}))re"), "ab00c");
}

TEST(Regsub, NoMatchLeavesTheInputUnchanged) {
  EXPECT_EQ(show(R"(regsub("hello", "z+", "y"))"), "hello");
  EXPECT_EQ(show(R"(regsuball("hello", "z+", "y"))"), "hello");
}

TEST(Regsub, ReplaceAllResumesAfterTheReplacement) {
  EXPECT_EQ(show(R"(regsuball("aaa", "a", "aa"))"), "aaaaaa");
}

TEST(Regsub, NotSetSubjectReadsAsEmpty) {
  EXPECT_EQ(show(R"(regsub(req.http.missing, "^$", "empty"))"), "empty");
}

TEST(Regsub, PatternsAreRe2) {
  EXPECT_EQ(show(R"(regsub("Path/To", "(?i)path", "x"))"), "x/To");
  EXPECT_EQ(show(R"(regsuball("a.b.c", "\.", "-"))"), "a-b-c");
  EXPECT_EQ(show(R"(regsub("v12/x", {"^v\d+"}, "v"))"), "v/x");
}

// ---- subfield ----

TEST(Subfield, TwoArgumentsSplitOnComma) {
  EXPECT_EQ(show(R"(subfield("a=1, b=2, c", "b"))"), "2");
  EXPECT_EQ(show(R"(subfield("a=1, b=2, c", "a"))"), "1");
  EXPECT_EQ(show(R"(subfield("max-age=60", "MAX-AGE"))"), "60");
}

TEST(Subfield, ThreeArgumentsUseTheGivenSeparator) {
  EXPECT_EQ(show(R"(subfield("x=1&y=2", "y", "&"))"), "2");
  EXPECT_EQ(show(R"(subfield("s=abc; t=d,e", "t", ";"))"), "d,e");
}

TEST(Subfield, MissingKeyIsNotSet) {
  EXPECT_EQ(show(R"(subfield("a=1, b=2", "z"))"), "(null)");
  EXPECT_EQ(show(R"(subfield("x=1&y=2", "z", "&"))"), "(null)");
  EXPECT_EQ(show(R"(subfield(req.http.missing, "a"))"), "(null)");
}

TEST(Subfield, KeyWithoutValueIsSetAndEmpty) {
  EXPECT_EQ(show(R"(subfield("private, max-age=0", "private"))"), "");
  EXPECT_EQ(show(R"(if(subfield("private, max-age=0", "private"), "yes", "no"))"), "yes");
  EXPECT_EQ(show(R"(if(subfield("public", "private"), "yes", "no"))"), "no");
}

// ---- urlencode / urldecode ----

TEST(Urlencode, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(show(R"(urlencode("hello world"))"), "hello%20world");
  EXPECT_EQ(show(R"(urlencode("a/b?c=d&e"))"), "a%2Fb%3Fc%3Dd%26e");
  EXPECT_EQ(show(R"(urlencode("AZaz09-._~"))"), "AZaz09-._~");
  EXPECT_EQ(show(R"(urlencode("%C3%A9+"))"), "%C3%A9%2B");
  EXPECT_EQ(show("urlencode(req.http.missing)"), "");
}

TEST(Urldecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(show(R"(urldecode({"hello%20world+!"}))"), "hello world !");
  EXPECT_EQ(show(R"(urldecode({"%2f%2F%41"}))"), "//A");
  EXPECT_EQ(show(R"(urldecode({"%C3%A9"}))"), "\xC3\xA9");
}

TEST(Urldecode, MalformedEscapesStayLiteral) {
  EXPECT_EQ(show(R"(urldecode({"100%"}))"), "100%");
  EXPECT_EQ(show(R"(urldecode({"%zz%4"}))"), "%zz%4");
}

TEST(Urldecode, DecodedNulTruncates) {
  EXPECT_EQ(show(R"(urldecode({"a%00b"}))"), "a");
  EXPECT_EQ(show(R"(std.strlen(urldecode({"abc%00def"})))"), "3");
}

TEST(Urlencode, RoundTripsThroughUrldecode) {
  EXPECT_EQ(show(R"(urldecode(urlencode({"a b+c/%d é"})))"), "a b+c/%d \xC3\xA9");
}

// ---- cstr_escape ----

TEST(CstrEscape, CStyleEscapes) {
  EXPECT_EQ(show(R"(cstr_escape({"say "hi" \ x"}))"), R"(say \"hi\" \\ x)");
  EXPECT_EQ(show("cstr_escape(req.http.X)", R"({"req.http.X":"\b\t\n\u000b\r"})"), R"(\b\t\n\v\r)");
  EXPECT_EQ(show(R"(cstr_escape("london"))"), "london");
}

TEST(CstrEscape, OtherControlAndHighBytesAreHex) {
  // The case of the hex digits is not documented; compare without it.
  EXPECT_EQ(lower(show("cstr_escape(req.http.X)", R"({"req.http.X":"\f\u0001\u001f\u007f"})")),
            R"(\x0c\x01\x1f\x7f)");
  EXPECT_EQ(lower(show("cstr_escape(req.http.X)", R"({"req.http.X":"caf\u00e9"})")),
            R"(caf\xc3\xa9)");
}

// ---- xml_escape ----

TEST(XmlEscape, FiveEntities) {
  EXPECT_EQ(show(R"(xml_escape({"<a href="x">Tom & Jerry's</a>"}))"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
  EXPECT_EQ(show(R"(xml_escape("isn't"))"), "isn&apos;t");
  EXPECT_EQ(show(R"(xml_escape("%C3%A9 plain"))"), "\xC3\xA9 plain");
}

// ---- uuid.version4 ----

TEST(UuidVersion4, FormatVersionAndVariant) {
  std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 50; ++i) {
    std::string id = show("uuid.version4()");
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
  }
}

TEST(UuidVersion4, EveryCallDiffers) {
  auto format = LogFormat::compile("%{uuid.version4()}V %{uuid.version4()}V");
  ASSERT_TRUE(format.ok()) << format.error().message();
  Record record;
  EvalContext ctx;
  LineBuffer first, second;
  format->render(record, ctx, first);
  format->render(record, ctx, second);
  std::string a = fmt::to_string(first), b = fmt::to_string(second);
  ASSERT_EQ(a.size(), 73u) << a;
  EXPECT_NE(a.substr(0, 36), a.substr(37));
  EXPECT_NE(a, b);
  // Two threads' contexts are seeded independently.
  EXPECT_NE(show("uuid.version4()"), show("uuid.version4()"));
}

// ---- composition ----

TEST(Functions, NestAndConcatenate) {
  EXPECT_EQ(show(R"(std.toupper(substr(regsub(req.url, "^/", ""), 0, 3)) + "!")",
                 R"({"req.url":"/images/x"})"),
            "IMA!");
  EXPECT_EQ(show(R"(json.escape(std.tolower({"A"B"})))"), R"(a\"b)");
}

TEST(Functions, ManyResultsInOneRenderStayIntact) {
  // Function results live in the scratch arena; later ones must not overwrite earlier ones.
  std::string text, expected;
  for (int i = 0; i < 300; ++i) {
    text += fmt::format(R"({}std.toupper("item{}"))", i ? " + " : "", i);
    expected += fmt::format("ITEM{}", i);
  }
  EXPECT_EQ(show(text), expected);
}

TEST(Functions, LargeResultsBeyondOneArenaBlock) {
  // Values past a 64 KiB arena block, under a cap raised above them (the default cap is the
  // largest line, 64 KiB: see ValueCap below).
  std::string big(100000, 'a');
  std::string upper(100000, 'A');
  Record record;
  record.reserve_storage(big.size() + 16);
  record.add(record.store("req.http.X"), Value::string(record.store(big)));
  auto expr = Expression::compile("std.toupper(req.http.X) + std.tolower(std.toupper(req.http.X))");
  ASSERT_TRUE(expr.ok()) << expr.error().message();
  EvalContext ctx;
  ctx.max_value_bytes = 1 << 20;
  LineBuffer out;
  expr->render(record, ctx, out);
  EXPECT_EQ(fmt::to_string(out), upper + big);
  EXPECT_FALSE(ctx.value_cut);
}

// ---- the cap on built values (EvalContext::max_value_bytes) ----

// The value of `text` with values capped at `cap` bytes, against a record whose req.http.X is
// `x`; `cut` says whether the evaluation cut a value.
std::string capped(std::string_view text, const std::string& x, size_t cap, bool& cut) {
  Record record;
  record.reserve_storage(x.size() + 16);
  record.add(record.store("req.http.X"), Value::string(record.store(x)));
  auto expr = Expression::compile(text);
  if (!expr.ok()) {
    ADD_FAILURE() << "expression " << text << ": " << expr.error().message();
    return "<bad expression>";
  }
  EvalContext ctx;
  ctx.max_value_bytes = cap;
  Value v = expr->evaluate(record, ctx);
  cut = ctx.value_cut;
  return std::string(v.str);
}

TEST(ValueCap, EveryBuildingFunctionStopsAtTheCap) {
  const std::string x(4000, 'a');
  for (std::string_view text :
       {"std.toupper(req.http.X)", "json.escape(req.http.X)", "cstr_escape(req.http.X)",
        "xml_escape(req.http.X)", "urlencode(req.http.X)", "urldecode(req.http.X)",
        R"(regsuball(req.http.X, "a", "ab"))", R"(regsub(req.http.X, "^(a+)$", "\1\1"))",
        "req.http.X + req.http.X", R"(strftime(req.http.X, 0))"}) {
    bool cut = false;
    std::string v = capped(text, x, 1024, cut);
    EXPECT_EQ(v.size(), 1024u) << text;
    EXPECT_TRUE(cut) << text;
  }
}

TEST(ValueCap, ValuesWithinTheCapAreWhole) {
  bool cut = true;
  EXPECT_EQ(capped(R"(regsuball(req.http.X, "a", "ab"))", "aaa", 1024, cut), "ababab");
  EXPECT_FALSE(cut);
  EXPECT_EQ(capped(R"(regsuball(req.http.X, "a", "ab"))", std::string(512, 'a'), 1024, cut).size(),
            1024u);
  EXPECT_FALSE(cut);  // exactly the cap
  // Views into the record cost nothing and are not cut.
  EXPECT_EQ(capped("substr(req.http.X, 1)", std::string(4000, 'a'), 1024, cut).size(), 3999u);
  EXPECT_FALSE(cut);
}

TEST(ValueCap, ACutDoesNotSplitACharacter) {
  bool cut = false;
  // "é" is two bytes: 1023 bytes of "a" then "é" cut at 1024 would leave half of it.
  std::string x = std::string(1023, 'a') + "\xC3\xA9" + "zz";
  std::string v = capped("std.tolower(req.http.X)", x, 1024, cut);
  EXPECT_EQ(v, std::string(1023, 'a'));
  EXPECT_TRUE(cut);
  v = capped(R"(regsuball(req.http.X, "z", "y"))", x, 1024, cut);
  EXPECT_EQ(v, std::string(1023, 'a'));
  // json.escape of the capped input stays valid UTF-8, so it is set.
  v = capped("json.escape(req.http.X)", x, 1024, cut);
  EXPECT_EQ(v, std::string(1023, 'a'));
}

}  // namespace
}  // namespace sluice

#include "format/variable_check.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "format/condition.h"

namespace sluice {
namespace {

std::vector<std::string> format_warnings(std::string_view text) {
  auto f = LogFormat::compile(text);
  EXPECT_TRUE(f.ok()) << f.error().message();
  return f.ok() ? check_variables(*f) : std::vector<std::string>{};
}

std::vector<std::string> condition_warnings(std::string_view text) {
  auto c = Condition::compile(text);
  EXPECT_TRUE(c.ok()) << c.error().message();
  return c.ok() ? check_variables(c->expression()) : std::vector<std::string>{};
}

using Lines = std::vector<std::string>;

TEST(VariableCheck, TypoInAFormatIsWarnedWithColumnAndSuggestion) {
  EXPECT_EQ(format_warnings("%{req.urll}V"),
            Lines{"col 3: unknown variable \"req.urll\" (did you mean \"req.url\"?)"});
  // Inside an expression, and in order of the columns.
  EXPECT_EQ(format_warnings("%h %{json.escape(req.urll)}V %{resp.stauts}V"),
            (Lines{"col 18: unknown variable \"req.urll\" (did you mean \"req.url\"?)",
                   "col 32: unknown variable \"resp.stauts\" (did you mean \"resp.status\"?)"}));
  // A header subfield, and no suggestion when nothing is close.
  EXPECT_EQ(format_warnings("%{resp.zzzzzzzz:max-age}V"),
            Lines{"col 3: unknown variable \"resp.zzzzzzzz\""});
}

TEST(VariableCheck, TypoInAConditionIsWarned) {
  EXPECT_EQ(condition_warnings("resp.stauts == 200"),
            Lines{"col 1: unknown variable \"resp.stauts\" (did you mean \"resp.status\"?)"});
  EXPECT_EQ(condition_warnings("req.url ~ \"^/api\" && !(fastly_info.stat == \"HIT\")"),
            Lines{"col 24: unknown variable \"fastly_info.stat\" (did you mean "
                  "\"fastly_info.state\"?)"});
}

TEST(VariableCheck, HeadersCustomKeysAndKnownVariablesAreNotWarned) {
  EXPECT_TRUE(format_warnings("%{req.http.X-Anything}V %{resp.http.X-Cache}V "
                              "%{req.http.Cookie:session}V %{geo.city}V %{tenant}V %{now}V")
                  .empty());
  EXPECT_TRUE(condition_warnings("req.http.X-Anything == \"1\" || geo.city == \"Tokyo\"").empty());
  // Apache directives read known variables or headers only.
  EXPECT_TRUE(
      format_warnings(R"(%h %l %u %t "%r" %>s %b %{X-Any}i %{X-Any}o %{id}C %D %T)").empty());
}

TEST(VariableCheck, FloatComparedWithAnIntegerVariableIsReported) {
  EXPECT_EQ(condition_warnings("resp.status == 200.5"),
            Lines{"col 16: resp.status is an INTEGER in VCL; 200.5 is a FLOAT"});
  EXPECT_EQ(condition_warnings("500.0 <= resp.status"),
            Lines{"col 1: resp.status is an INTEGER in VCL; 500.0 is a FLOAT"});
  EXPECT_EQ(format_warnings("%{if(obj.hits > 1.5, \"hot\", \"cold\")}V"),
            Lines{"col 17: obj.hits is an INTEGER in VCL; 1.5 is a FLOAT"});
  // Integers against INTEGER variables, and floats against FLOAT ones, are what VCL expects.
  EXPECT_TRUE(condition_warnings("resp.status >= 500 && client.geo.latitude > 35.5").empty());
}

// The seed documents' own formats compile without a single warning.
TEST(VariableCheck, FastlyRecommendedFormatsAreClean) {
  EXPECT_TRUE(
      format_warnings(
          R"({"timestamp":"%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V",)"
          R"("client_ip":"%{req.http.Fastly-Client-IP}V",)"
          R"("geo_country":"%{client.geo.country_name}V",)"
          R"("url":"%{json.escape(req.url)}V",)"
          R"("request_referer":"%{json.escape(req.http.referer)}V",)"
          R"("request_user_agent":"%{json.escape(req.http.User-Agent)}V",)"
          R"("fastly_is_edge":%{if(fastly.ff.visits_this_service == 0, "true", "false")}V,)"
          R"("response_state":"%{json.escape(fastly_info.state)}V",)"
          R"("response_status":%{resp.status}V,)"
          R"("response_reason":%{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V,)"
          R"("response_body_size":%{resp.body_bytes_written}V,)"
          R"("request_method":"%{json.escape(req.method)}V",)"
          R"("request_protocol":"%{json.escape(req.proto)}V",)"
          R"("fastly_server":"%{json.escape(server.identity)}V",)"
          R"("host":"%{if(req.http.Fastly-Orig-Host, req.http.Fastly-Orig-Host, req.http.Host)}V"})")
          .empty());
  EXPECT_TRUE(format_warnings("cdnmetrics,pop=%{server.datacenter}V,region=%{server.region}V,"
                              "cache_status=%{resp.http.X-Cache}V,status=%>s "
                              "elapsed_time=%{time.elapsed.msec}V,"
                              "time_to_first_byte=%{time.to_first_byte}V %{time.end.usec}V000")
                  .empty());
  EXPECT_TRUE(format_warnings("%{if(req.http.log-origin:shield == server.datacenter, \"true\", "
                              "\"false\")}V %{if(req.backend.is_origin, \"1\", \"0\")}V")
                  .empty());
  EXPECT_TRUE(condition_warnings("fastly.ff.visits_this_service == 0").empty());
}

// Every %{...}V of the seed documents that compiles is free of warnings: the formats real users
// copy must not trip `sluice check`.
TEST(VariableCheck, EveryExpressionDirectiveInTheSeedsIsClean) {
  const std::string dir = std::string(SLUICE_SHARED_DIR) + "/reference/seeds/";
  size_t checked = 0;
  for (const char* name :
       {"000_77932db95d73e507.txt", "001_dfe25b950ab5e3e4.txt", "002_5c79134fc07406ed.txt",
        "003_17936c9b1e6e1623.txt", "004_901a5604f77bc813.txt"}) {
    std::ifstream in(dir + name);
    if (!in) GTEST_SKIP() << "no seeds beside the checkout: " << dir;
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    static const std::regex directive(R"(%\{[^%\n]*?\}V)");
    for (std::sregex_iterator it(s.begin(), s.end(), directive), end; it != end; ++it) {
      auto f = LogFormat::compile(it->str());
      if (!f) continue;  // placeholders such as %{.....}V
      EXPECT_TRUE(check_variables(*f).empty()) << it->str();
      ++checked;
    }
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace sluice

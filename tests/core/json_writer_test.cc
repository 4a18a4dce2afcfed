#include "core/json_writer.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(JsonWriter, PlacesCommasAndColonsInNestedContainers) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .key("b")
      .begin_array()
      .value("x")
      .value(true)
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .key("c")
      .begin_object()
      .field("d", uint64_t(18446744073709551615ull))
      .end_object();
  w.key("e").value(0.12345, 3);
  w.key("f").raw("{\"g\":[]}");
  w.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",true,null,{}],"c":{"d":18446744073709551615},"e":0.123,)"
                 R"("f":{"g":[]}})");
}

TEST(JsonWriter, EscapesStringsAndKeepsNumbersValid) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value("a\"b\\c\n\x01").value(std::numeric_limits<double>::quiet_NaN(), 1);
  w.end_array();
  EXPECT_EQ(out, "[\"a\\\"b\\\\c\\n\\u0001\",0.0]");
}

}  // namespace
}  // namespace sluice

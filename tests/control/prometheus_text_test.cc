#include "control/prometheus_text.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(label_value("svc1"), "svc1");
  EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  // Other control characters are allowed in a label value as they are.
  EXPECT_EQ(label_value("tab\there\r"), "tab\there\r");
  EXPECT_EQ(label_value(""), "");
}

TEST(PrometheusText, LabelValuesAreValidUtf8) {
  EXPECT_EQ(label_value("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(label_value("sv\xFF"
                        "c"),
            "sv\xEF\xBF\xBD"
            "c");
  // An overlong NUL and a surrogate: each bad byte becomes U+FFFD.
  EXPECT_EQ(label_value("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(PrometheusText, LabelSetsAndSamples) {
  std::string labels;
  append_label(labels, "service", "s\"1");
  append_label(labels, "endpoint", "e");
  EXPECT_EQ(labels, "service=\"s\\\"1\",endpoint=\"e\"");

  std::string out;
  append_sample(out, "sluice_x_total", labels, uint64_t(18446744073709551615ull));
  append_sample(out, "sluice_up", "", uint64_t(1));
  append_sample(out, "sluice_seconds_sum", labels, 1.5);
  append_sample(out, "sluice_seconds_sum", "", std::numeric_limits<double>::quiet_NaN());
  append_sample(out, "sluice_seconds_sum", "", std::numeric_limits<double>::infinity());
  append_sample(out, "sluice_seconds_sum", "", -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out,
            "sluice_x_total{service=\"s\\\"1\",endpoint=\"e\"} 18446744073709551615\n"
            "sluice_up 1\n"
            "sluice_seconds_sum{service=\"s\\\"1\",endpoint=\"e\"} 1.500000\n"
            "sluice_seconds_sum NaN\n"
            "sluice_seconds_sum +Inf\n"
            "sluice_seconds_sum -Inf\n");
}

TEST(PrometheusText, MetricHeader) {
  std::string out;
  append_metric_header(out, "sluice_x_total", "counter", "Lines.\nA \\ second line.");
  EXPECT_EQ(out,
            "# HELP sluice_x_total Lines.\\nA \\\\ second line.\n"
            "# TYPE sluice_x_total counter\n");
}

}  // namespace
}  // namespace sluice

#include "control/prometheus_text.h"

#include <cmath>

#include <fmt/format.h>

#include "core/utf8.h"

namespace sluice {

void append_label_value(std::string& out, std::string_view value) {
  std::string utf8;
  append_valid_utf8(utf8, value);
  out.reserve(out.size() + utf8.size());
  for (char c : utf8) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

std::string label_value(std::string_view value) {
  std::string out;
  append_label_value(out, value);
  return out;
}

void append_label(std::string& labels, std::string_view name, std::string_view value) {
  if (!labels.empty()) labels.push_back(',');
  labels.append(name);
  labels += "=\"";
  append_label_value(labels, value);
  labels.push_back('"');
}

void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
  out += "# HELP ";
  out.append(name);
  out.push_back(' ');
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out += "\n# TYPE ";
  out.append(name);
  out.push_back(' ');
  out.append(type);
  out.push_back('\n');
}

namespace {

void append_name_and_labels(std::string& out, std::string_view name, std::string_view labels) {
  out.append(name);
  if (!labels.empty()) {
    out.push_back('{');
    out.append(labels);
    out.push_back('}');
  }
  out.push_back(' ');
}

}  // namespace

void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value) {
  append_name_and_labels(out, name, labels);
  fmt::format_to(std::back_inserter(out), "{}\n", value);
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  append_name_and_labels(out, name, labels);
  if (std::isnan(value)) {
    out += "NaN\n";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf\n" : "-Inf\n";
  } else {
    fmt::format_to(std::back_inserter(out), "{:.6f}\n", value);
  }
}

}  // namespace sluice

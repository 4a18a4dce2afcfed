// libFuzzer target: the Prometheus exposition text GET /metrics writes (control/prometheus_text),
// with arbitrary bytes as the service id, the endpoint name and the source name, the way names
// from log statements and the configuration reach the writer.
//
// Input: bytes 0-7 are a sample's value (as a uint64 and as a double, NaN and infinities
// included), byte 8 the service id's length and byte 9 the endpoint name's; the rest is the
// service id, the endpoint name and the source name, in that order.
//
// Invariants checked, by a strict checker of its own (it shares no code with the writer):
// - the text is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
//   U+10FFFF);
// - every line is a HELP or TYPE comment or a sample line of the text format, version 0.0.4:
//   a metric name of [a-zA-Z_:][a-zA-Z0-9_:]*, optional {name="value",...} with label names of
//   [a-zA-Z_][a-zA-Z0-9_]*, values holding no raw '"', '\' or newline and only the escapes \\,
//   \" and \n, then one space and a number (decimal, NaN, +Inf or -Inf), then '\n';
// - each label value reads back as its input when the input was valid UTF-8, and as valid UTF-8
//   of at least the input's length otherwise (each bad byte becomes U+FFFD);
// - the values read back as written.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "control/prometheus_text.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "prometheus_text_fuzz: %s in:\n%.*s\n", what, int(text.size()), text.data());
  std::abort();
}

// RFC 3629 / Unicode table 3-7, written out on its own.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      unsigned char first_lo = k == 1 ? lo : 0x80, first_hi = k == 1 ? hi : 0xBF;
      if (b(k) < first_lo || b(k) > first_hi) return false;
    }
    i += n;
  }
  return true;
}

bool name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool name_char(char c, bool colon) {
  return name_start(c, colon) || (c >= '0' && c <= '9');
}

// Reads a name at `pos`; empty when there is none.
std::string_view read_name(std::string_view line, size_t& pos, bool colon) {
  size_t start = pos;
  if (pos < line.size() && name_start(line[pos], colon)) {
    ++pos;
    while (pos < line.size() && name_char(line[pos], colon)) ++pos;
  }
  return line.substr(start, pos - start);
}

bool number(std::string_view v) {
  if (v == "NaN" || v == "+Inf" || v == "-Inf") return true;
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  size_t digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
    size_t exp = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == v.size();
}

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // values unescaped
  std::string value;
};

// One sample line (without its '\n'), strictly.
Sample parse_sample(std::string_view line, std::string_view text) {
  Sample s;
  size_t pos = 0;
  s.name = read_name(line, pos, true);
  if (s.name.empty()) fail("a sample line without a metric name", text);
  if (pos < line.size() && line[pos] == '{') {
    ++pos;
    while (true) {
      std::string name(read_name(line, pos, false));
      if (name.empty()) fail("a label without a name", text);
      if (line.substr(pos, 2) != "=\"") fail("a label name not followed by =\"", text);
      pos += 2;
      std::string value;
      while (true) {
        if (pos >= line.size()) fail("an unterminated label value", text);
        char c = line[pos++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos >= line.size()) fail("a label value ending in a backslash", text);
          char e = line[pos++];
          if (e == '\\') {
            value += '\\';
          } else if (e == '"') {
            value += '"';
          } else if (e == 'n') {
            value += '\n';
          } else {
            fail("an escape other than \\\\, \\\" or \\n in a label value", text);
          }
        } else {
          value += c;
        }
      }
      s.labels.emplace_back(std::move(name), std::move(value));
      if (pos < line.size() && line[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < line.size() && line[pos] == '}') {
        ++pos;
        break;
      }
      fail("a label set not closed by '}'", text);
    }
  }
  if (pos >= line.size() || line[pos] != ' ') fail("no space before the value", text);
  s.value = line.substr(pos + 1);
  if (!number(s.value)) fail("a value that is not a number", text);
  return s;
}

// Every line of `text`: comments checked, samples returned.
std::vector<Sample> parse_exposition(std::string_view text) {
  if (!valid_utf8(text)) fail("invalid UTF-8", text);
  if (text.empty() || text.back() != '\n') fail("text not ending with a newline", text);
  std::vector<Sample> samples;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.substr(0, 7) == "# HELP " || line.substr(0, 7) == "# TYPE ") {
      size_t pos = 7;
      if (read_name(line, pos, true).empty() || pos >= line.size() || line[pos] != ' ') {
        fail("a comment without a metric name", text);
      }
      std::string_view rest = line.substr(pos + 1);
      if (line[2] == 'T' && rest != "counter" && rest != "gauge" && rest != "histogram" &&
          rest != "summary" && rest != "untyped") {
        fail("an unknown TYPE", text);
      }
      if (line[2] == 'H') {
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\' && (i + 1 >= rest.size() || (rest[++i] != '\\' && rest[i] != 'n'))) {
            fail("a HELP escape other than \\\\ or \\n", text);
          }
        }
      }
      continue;
    }
    if (!line.empty() && line[0] == '#') fail("a comment that is neither HELP nor TYPE", text);
    samples.push_back(parse_sample(line, text));
  }
  return samples;
}

void check_label(const std::string& got, std::string_view input, std::string_view text) {
  if (!valid_utf8(got)) fail("a label value that reads back as invalid UTF-8", text);
  if (valid_utf8(input) ? got != input : got.size() < input.size()) {
    fail("a label value that does not read back as its input", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size < 10) return 0;
  uint64_t count = 0;
  double real = 0;
  std::memcpy(&count, data, 8);
  std::memcpy(&real, data, 8);
  std::string_view rest(reinterpret_cast<const char*>(data) + 10, size - 10);
  std::string_view service = rest.substr(0, data[8] % (rest.size() + 1));
  rest.remove_prefix(service.size());
  std::string_view endpoint = rest.substr(0, data[9] % (rest.size() + 1));
  std::string_view source = rest.substr(endpoint.size());

  std::string out;
  append_metric_header(out, "sluice_endpoint_dropped_total", "counter",
                       "Lines dropped, by reason.\nA \\ second line.");
  std::string labels;
  append_label(labels, "service", service);
  append_label(labels, "endpoint", endpoint);
  std::string endpoint_only = labels;
  append_label(labels, "reason", "queue_full");
  append_sample(out, "sluice_endpoint_dropped_total", labels, count);
  append_sample(out, "sluice_endpoint_batch_latency_seconds_sum", endpoint_only, real);
  std::string source_labels;
  append_label(source_labels, "source", source);
  append_sample(out, "sluice_source_messages_total", source_labels, count);
  append_sample(out, "sluice_up", std::string(), uint64_t(1));
  // What the API used before the writer had its own file: label_value alone.
  if (label_value(service) + "\"" != labels.substr(9, label_value(service).size() + 1)) {
    fail("label_value differs from append_label", out);
  }

  std::vector<Sample> samples = parse_exposition(out);
  if (samples.size() != 4) fail("not four samples", out);
  const Sample& dropped = samples[0];
  if (dropped.labels.size() != 3 || dropped.labels[0].first != "service" ||
      dropped.labels[1].first != "endpoint" ||
      dropped.labels[2] != std::pair<std::string, std::string>("reason", "queue_full")) {
    fail("the label set does not read back", out);
  }
  check_label(dropped.labels[0].second, service, out);
  check_label(dropped.labels[1].second, endpoint, out);
  if (samples[1].labels.size() != 2) fail("the endpoint labels do not read back", out);
  check_label(samples[2].labels.at(0).second, source, out);
  if (!samples[3].labels.empty() || samples[3].value != "1") fail("a bare sample", out);

  if (dropped.value != std::to_string(count)) fail("a count that does not read back", out);
  const std::string& v = samples[1].value;
  if (std::isnan(real)) {
    if (v != "NaN") fail("NaN not written as NaN", out);
  } else if (std::isinf(real)) {
    if (v != (real > 0 ? "+Inf" : "-Inf")) fail("an infinity not written as +Inf/-Inf", out);
  } else {
    double back = std::strtod(v.c_str(), nullptr);
    // Six decimals: within half a millionth, or the double's own precision for large values.
    if (std::fabs(back - real) > 5e-7 + std::fabs(real) * 1e-15) {
      fail("a double that does not read back", out);
    }
  }
  return 0;
}

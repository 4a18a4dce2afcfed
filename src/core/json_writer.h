#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/json_text.h"

namespace sluice {

// Writes a JSON document straight into a string, placing the commas and colons itself, for the
// API's replies (/status, /errors) and a sink's state detail. Written here rather than built as
// a tree with nlohmann-json: /status of thousands of endpoints is one pass into one buffer.
// Misuse (a value where a key belongs) is the caller's bug, not checked.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }

  JsonWriter& value(std::string_view s) {
    separate();
    append_json_string(out_, s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b) { return raw(b ? "true" : "false"); }
  JsonWriter& value(int64_t n) { return raw(fmt::format("{}", n)); }
  JsonWriter& value(uint64_t n) { return raw(fmt::format("{}", n)); }
  JsonWriter& value(int n) { return value(int64_t(n)); }
  JsonWriter& value(unsigned n) { return value(uint64_t(n)); }
  // A number with `decimals` digits after the point (JSON has no NaN or infinity: those are 0).
  JsonWriter& value(double d, int decimals) {
    if (d != d || d > 1e300 || d < -1e300) d = 0;
    return raw(fmt::format("{:.{}f}", d, decimals));
  }
  JsonWriter& null() { return raw("null"); }
  // A complete JSON value made elsewhere (a sink's own detail object).
  JsonWriter& raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
  }

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  JsonWriter& open(char c) {
    separate();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  JsonWriter& close(char c) {
    out_ += c;
    if (!first_.empty()) first_.pop_back();
    return *this;
  }

  std::string& out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace sluice

#include "core/record_decoder.h"

#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice {

struct RecordDecoder::Parser {
  simdjson::ondemand::parser parser;
};

RecordDecoder::RecordDecoder() : parser_(std::make_unique<Parser>()) {}
RecordDecoder::~RecordDecoder() = default;

RecordDecoder::RecordDecoder(RecordDecoder&&) noexcept = default;
RecordDecoder& RecordDecoder::operator=(RecordDecoder&&) noexcept = default;

#define SLUICE_STRINGIFY_IMPL(x) #x
#define SLUICE_STRINGIFY(x) SLUICE_STRINGIFY_IMPL(x)
// The kernel this file was compiled for, which is what On Demand uses; the library's
// builtin_implementation() reports how the shared library itself was built instead.
std::string_view RecordDecoder::kernel() {
  return SLUICE_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
}

namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

Error json_error(error_code code, std::string_view what) {
  return Error(fmt::format("invalid JSON{}: {}", what, simdjson::error_message(code)));
}

// Where the object or array that opens `json` closes (the index after it), or npos. Used only
// to explain an error: simdjson reports "ended early" for text after a complete object.
size_t end_of_first_value(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Status RecordDecoder::decode(std::string_view json, Record& out) {
  out.clear();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; copy into a buffer that has them.
  size_t need = json.size() + simdjson::SIMDJSON_PADDING;
  if (need > padded_capacity_) {
    padded_capacity_ = std::max(need, size_t(4096));
    padded_ = std::make_unique<char[]>(padded_capacity_);
  }
  std::memcpy(padded_.get(), json.data(), json.size());
  std::memset(padded_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  // Keys and unescaped strings are never longer than the text they come from.
  out.reserve_storage(json.size());

  od::document doc;
  if (auto e = parser_->parser.iterate(padded_.get(), json.size(), padded_capacity_).get(doc)) {
    return json_error(e, "");
  }
  od::object object;
  if (auto e = doc.get_object().get(object)) {
    if (e == simdjson::INCORRECT_TYPE) {
      size_t first = json.find_first_not_of(" \t\r");
      std::string_view start = json.substr(first == std::string_view::npos ? 0 : first, 16);
      return Error(fmt::format("a request record must be a JSON object, found '{}{}'", start,
                               json.size() > first + 16 ? "..." : ""));
    }
    if (size_t end = end_of_first_value(json);
        e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT && end != std::string_view::npos &&
        json.find_first_not_of(" \t\r\n", end) != std::string_view::npos) {
      return Error(fmt::format("invalid JSON: trailing content after the object at byte {}",
                               json.find_first_not_of(" \t\r\n", end)));
    }
    return json_error(e, "");
  }
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) {
      out.clear();
      return json_error(e, "");
    }
    std::string_view raw_key;
    if (auto e = field.unescaped_key().get(raw_key)) {
      out.clear();
      return json_error(e, " in a key");
    }
    std::string_view key = out.store(raw_key);
    od::value value = field.value();
    od::json_type type;
    if (auto e = value.type().get(type)) {
      out.clear();
      return json_error(e, fmt::format(" at key \"{}\"", key));
    }
    Value v;
    error_code e = simdjson::SUCCESS;
    switch (type) {
      case od::json_type::string: {
        std::string_view s;
        e = value.get_string().get(s);
        if (!e) v = Value::string(out.store(s));
        break;
      }
      case od::json_type::number: {
        od::number_type nt;
        e = value.get_number_type().get(nt);
        if (e) break;
        if (nt == od::number_type::signed_integer) {
          int64_t i = 0;
          e = value.get_int64().get(i);
          v = Value::integer_value(i);
        } else {
          double d = 0;
          e = value.get_double().get(d);
          v = Value::float_value(d);
        }
        break;
      }
      case od::json_type::boolean: {
        bool b = false;  // read below even when get_bool fails ("tru")
        e = value.get_bool().get(b);
        v = Value::bool_value(b);
        break;
      }
      case od::json_type::null:
        // Consume it so the iterator moves on; a JSON null is VCL's not set.
        if (bool is_null; value.is_null().get(is_null)) e = simdjson::INCORRECT_TYPE;
        break;
      case od::json_type::object: {
        // Kept as JSON text: records are flat, but a nested value should not be lost.
        std::string_view raw;
        od::object nested;
        e = value.get_object().get(nested);
        if (!e) e = nested.raw_json().get(raw);
        if (!e) v = Value::string(out.store(raw));
        break;
      }
      case od::json_type::array: {
        std::string_view raw;
        od::array nested;
        e = value.get_array().get(nested);
        if (!e) e = nested.raw_json().get(raw);
        if (!e) v = Value::string(out.store(raw));
        break;
      }
    }
    if (e) {
      out.clear();
      return json_error(e, fmt::format(" at key \"{}\"", key));
    }
    out.add(key, v);
  }
  // current_location() fails only once the whole input is consumed.
  if (const char* rest; !doc.current_location().get(rest)) {
    out.clear();
    return Error("invalid JSON: trailing content after the object");
  }
  return {};
}

}  // namespace sluice

#include "core/record_decoder.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The string that starts at `raw` (just past its opening quote) as a view into the text, or a
// null view when it holds a backslash and needs unescaping. Stage 1 has checked that every
// string closes before the end of the input, and the input is followed by SIMDJSON_PADDING
// bytes, so reading 16 bytes from any position inside a string stays in the buffer. Sixteen
// bytes per step: a byte loop here was a fifth of the decode.
std::string_view plain_string(const char* raw) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (const char* p = raw;; p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned q = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    unsigned b = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)));
    if ((q | b) == 0) continue;
    // A backslash before the first quote means an escape; one after it is not ours.
    if (b != 0 && (q == 0 || __builtin_ctz(b) < __builtin_ctz(q))) return {};
    return {raw, size_t(p - raw) + size_t(__builtin_ctz(q))};
  }
#else
  const char* p = raw;
  for (; *p != '"'; ++p) {
    if (*p == '\\') return {};
  }
  return {raw, size_t(p - raw)};
#endif
}

// memcmp(a, b, n) == 0 for short keys, inline: eight bytes at a time, the last word
// overlapping the one before. The library call cost more than the compare for 10-30 byte keys.
bool same_bytes(const char* a, const char* b, size_t n) {
  auto word = [](const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  if (n < 8) return std::memcmp(a, b, n) == 0;
  for (size_t i = 0; i + 8 < n; i += 8) {
    if (word(a + i) != word(b + i)) return false;
  }
  return word(a + n - 8) == word(b + n - 8);
}

}  // namespace

Status RecordDecoder::decode(std::string_view json, Record& out) {
  out.clear();
  // The record keeps its own copy of the text, with the padding simdjson reads past the end, and
  // simdjson parses that copy in place: keys and strings without escapes are then views into it,
  // and only escaped ones are unescaped into the rest of the store (never longer than their
  // text, plus the padding simdjson may write past the last). One copy per record instead of
  // one per key and string.
  out.reserve_storage(2 * json.size() + 2 * simdjson::SIMDJSON_PADDING);
  char* text = out.store_begin();
  std::memcpy(text, json.data(), json.size());
  std::memset(text + json.size(), 0, simdjson::SIMDJSON_PADDING);
  out.store_commit(json.size() + simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (auto e = parser_->parser.iterate(text, json.size(), json.size() + simdjson::SIMDJSON_PADDING)
                   .get(doc)) {
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
    const char* raw_key = field.key().raw();
    // The key the record's shape expects next, compared with the JSON text as it is: equal bytes
    // then the closing quote mean the same key (the expected key holds no backslash), which
    // spares the quote search and the hashing.
    std::string_view expected = out.expected_key();
    bool as_expected =
        expected.data() != nullptr && size_t(text + json.size() - raw_key) > expected.size() &&
        same_bytes(raw_key, expected.data(), expected.size()) && raw_key[expected.size()] == '"';
    std::string_view key =
        as_expected ? std::string_view(raw_key, expected.size()) : plain_string(raw_key);
    if (key.data() == nullptr) {  // escaped: let simdjson unescape (and validate) it
      std::string_view unescaped;
      if (auto e = field.unescaped_key().get(unescaped)) {
        out.clear();
        return json_error(e, " in a key");
      }
      key = out.store(unescaped);
    }
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
        // Taken as a raw string, which consumes it: the iterator then moves on without skipping
        // an untouched value. Without a backslash the text up to the closing quote is the
        // string itself (stage 1 has validated the UTF-8).
        od::raw_json_string raw;
        e = value.get_raw_json_string().get(raw);
        if (e) break;
        std::string_view plain = plain_string(raw.raw());
        if (plain.data() != nullptr) {
          v = Value::string(plain);
          break;
        }
        // Unescaped straight into the record's store, which has room for it and the padding
        // simdjson writes past it.
        auto* dst = reinterpret_cast<uint8_t*>(out.store_begin());
        std::string_view s;
        e = parser_->parser.unescape(raw, dst).get(s);
        if (!e) {
          out.store_commit(s.size());
          v = Value::string(s);
        }
        break;
      }
      case od::json_type::number: {
        // Most numbers in a request record are integers (statuses, sizes, durations): read as
        // one at once, which moves on only when it succeeds, rather than probing the number's
        // type and then parsing it a second time.
        if (int64_t i; !value.get_int64().get(i)) {
          v = Value::integer_value(i);
          break;
        }
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
    if (as_expected) {
      out.add_expected(key, v);
    } else {
      out.add(key, v);
    }
  }
  // current_location() fails only once the whole input is consumed.
  if (const char* rest; !doc.current_location().get(rest)) {
    out.clear();
    return Error("invalid JSON: trailing content after the object");
  }
  return {};
}

}  // namespace sluice

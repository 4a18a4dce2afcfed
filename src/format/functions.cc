#include "format/functions.h"

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string>

#include "core/time_util.h"
#include "core/utf8.h"

namespace sluice {
namespace {

constexpr std::array<FunctionSpec, 17> kFunctions = {{
    {"json.escape", FunctionId::kJsonEscape, 1, 1, -1, -1},
    {"strftime", FunctionId::kStrftime, 2, 2, -1, -1},
    {"std.tolower", FunctionId::kToLower, 1, 1, -1, -1},
    {"std.toupper", FunctionId::kToUpper, 1, 1, -1, -1},
    {"std.strlen", FunctionId::kStrlen, 1, 1, -1, -1},
    {"std.prefixof", FunctionId::kPrefixOf, 2, 2, -1, -1},
    {"std.suffixof", FunctionId::kSuffixOf, 2, 2, -1, -1},
    {"std.atoi", FunctionId::kAtoi, 1, 1, -1, -1},
    {"substr", FunctionId::kSubstr, 2, 3, -1, -1},
    {"regsub", FunctionId::kRegsub, 3, 3, 1, 2},
    {"regsuball", FunctionId::kRegsuball, 3, 3, 1, 2},
    {"subfield", FunctionId::kSubfield, 2, 3, -1, -1},
    {"urlencode", FunctionId::kUrlencode, 1, 1, -1, -1},
    {"urldecode", FunctionId::kUrldecode, 1, 1, -1, -1},
    {"cstr_escape", FunctionId::kCstrEscape, 1, 1, -1, -1},
    {"xml_escape", FunctionId::kXmlEscape, 1, 1, -1, -1},
    {"uuid.version4", FunctionId::kUuidV4, 0, 0, -1, -1},
}};

// Builds a function's string result on the stack, then keeps it in the arena. The inline size
// covers typical header values, so most calls never touch the heap.
using Builder = LineBuffer;

// Every string a function builds is cut at ctx.max_value_bytes (EvalContext::capped), and
// kept in the arena.
Value keep(Builder& b, EvalContext& ctx) {
  return Value::string(ctx.arena.copy(ctx.capped(std::string_view(b.data(), b.size()))));
}

void put(Builder& b, std::string_view s) {
  append_bytes(b, s);
}

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

// Length of the UTF-8 sequence starting at s[i] and its code point, or 0 when invalid.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void put_u_escape(Builder& b, uint32_t unit) {
  char e[6] = {'\\',
               'u',
               kHexUpper[(unit >> 12) & 0xF],
               kHexUpper[(unit >> 8) & 0xF],
               kHexUpper[(unit >> 4) & 0xF],
               kHexUpper[unit & 0xF]};
  append_bytes(b, e, 6);
}

// Bytes json.escape copies as they are: printable ASCII other than '"' and '\\'.
constexpr std::array<bool, 256> kJsonPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7F; ++c) t[size_t(c)] = c != '"' && c != '\\';
  return t;
}();

// The length of the run of plain bytes at the start of [p, p + n). Sixteen bytes per step with
// SSE2 (part of every x86-64): header values are almost all plain, and the byte-by-byte table
// walk was the largest single cost of rendering a JSON format.
size_t json_plain_run(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i below_space = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed compare: bytes >= 0x80 are negative, so "> 0x1F" also rules out non-ASCII.
    __m128i plain = _mm_cmpgt_epi8(v, below_space);
    __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, quote)),
                                   _mm_cmpeq_epi8(v, backslash));
    unsigned mask = unsigned(_mm_movemask_epi8(_mm_andnot_si128(special, plain)));
    if (mask != 0xFFFF) return i + size_t(__builtin_ctz(~mask));
  }
#endif
  while (i < n && kJsonPlain[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

}  // namespace

namespace {

#if defined(__SSE2__)
// A 16-bit mask with a bit set for each of v's bytes that json.escape copies unchanged.
inline unsigned json_plain_mask(__m128i v) {
  __m128i plain = _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1F));  // signed: also rules out >= 0x80
  __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  return unsigned(_mm_movemask_epi8(_mm_andnot_si128(special, plain)));
}

inline uint64_t load_u64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint32_t load_u32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// Appends s when every byte of it is plain, writing 16-byte blocks straight into the line, and
// returns true; returns false, having appended nothing, otherwise. Almost every value of a real
// log line is plain ASCII, and the general loop below cost ~120 instructions per value (a
// library memcpy per run, and the last 1-15 bytes one at a time); this is about 20. Short
// values are read as two overlapping words, so no byte outside s is ever read.
inline bool append_json_plain(LineBuffer& b, const char* p, size_t n) {
  size_t size = b.size();
  // Room for the whole value plus one block of slack: blocks are stored whole.
  if (n + 16 > b.capacity() - size) b.reserve(size + n + 16);
  char* d = b.data() + size;
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (json_plain_mask(v) != 0xFFFF) return false;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), v);
    }
    if (i < n) {  // the last block, overlapping the one before
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
      if (json_plain_mask(v) != 0xFFFF) return false;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + n - 16), v);
    }
  } else if (n >= 8) {
    uint64_t lo = load_u64(p), hi = load_u64(p + n - 8);
    if (json_plain_mask(_mm_set_epi64x(int64_t(hi), int64_t(lo))) != 0xFFFF) return false;
    std::memcpy(d, &lo, 8);
    std::memcpy(d + n - 8, &hi, 8);
  } else if (n >= 4) {
    uint32_t lo = load_u32(p), hi = load_u32(p + n - 4);
    uint64_t w = (uint64_t(hi) << 32) | lo;
    if (json_plain_mask(_mm_set1_epi64x(int64_t(w))) != 0xFFFF) return false;
    std::memcpy(d, &lo, 4);
    std::memcpy(d + n - 4, &hi, 4);
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (!kJsonPlain[static_cast<unsigned char>(p[i])]) return false;
      d[i] = p[i];
    }
  }
  b.resize(size + n);
  return true;
}
#endif

}  // namespace

bool append_json_escaped(LineBuffer& b, std::string_view s) {
#if defined(__SSE2__)
  if (append_json_plain(b, s.data(), s.size())) return true;
#endif
  size_t i = 0;
  while (i < s.size()) {
    // Copy the run of plain ASCII at once: most values are nothing but.
    size_t run = json_plain_run(s.data() + i, s.size() - i);
    append_bytes(b, s.data() + i, run);
    i += run;
    if (i == s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        put(b, "\\\"");
        ++i;
        continue;
      case '\\':
        put(b, "\\\\");
        ++i;
        continue;
      case '\b':
        put(b, "\\b");
        ++i;
        continue;
      case '\t':
        put(b, "\\t");
        ++i;
        continue;
      case '\n':
        put(b, "\\n");
        ++i;
        continue;
      case '\f':
        put(b, "\\f");
        ++i;
        continue;
      case '\r':
        put(b, "\\r");
        ++i;
        continue;
      default:
        break;
    }
    uint32_t cp;
    size_t len = utf8_sequence(s, i, cp);
    if (len == 0) return false;
    if (cp < 0x20 || cp == 0x7F || cp == 0x2028 || cp == 0x2029) {
      put_u_escape(b, cp);
    } else if (cp > 0xFFFF) {
      uint32_t v = cp - 0x10000;
      put_u_escape(b, 0xD800 + (v >> 10));
      put_u_escape(b, 0xDC00 + (v & 0x3FF));
    } else {
      append_bytes(b, s.data() + i, len);
    }
    i += len;
  }
  return true;
}

namespace {

// JSON string escaping without the quotes. Invalid UTF-8 makes the result not set, as VCL's
// json.escape does, rather than emitting bytes that would break the receiver's JSON parser.
Value json_escape(std::string_view s, EvalContext& ctx) {
  s = ctx.capped(s);
  Builder b;
  if (!append_json_escaped(b, s)) return Value::not_set();
  return keep(b, ctx);
}

Value cstr_escape(std::string_view s, EvalContext& ctx) {
  s = ctx.capped(s);
  Builder b;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        put(b, "\\\"");
        break;
      case '\\':
        put(b, "\\\\");
        break;
      case '\b':
        put(b, "\\b");
        break;
      case '\t':
        put(b, "\\t");
        break;
      case '\n':
        put(b, "\\n");
        break;
      case '\v':
        put(b, "\\v");
        break;
      case '\r':
        put(b, "\\r");
        break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          char e[4] = {'\\', 'x', kHexLower[c >> 4], kHexLower[c & 0xF]};
          b.append(e, e + 4);
        } else {
          b.push_back(ch);
        }
    }
  }
  return keep(b, ctx);
}

Value xml_escape(std::string_view s, EvalContext& ctx) {
  s = ctx.capped(s);
  Builder b;
  for (char c : s) {
    switch (c) {
      case '&':
        put(b, "&amp;");
        break;
      case '<':
        put(b, "&lt;");
        break;
      case '>':
        put(b, "&gt;");
        break;
      case '\'':
        put(b, "&apos;");
        break;
      case '"':
        put(b, "&quot;");
        break;
      default:
        b.push_back(c);
    }
  }
  return keep(b, ctx);
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

Value urlencode(std::string_view s, EvalContext& ctx) {
  s = ctx.capped(s);
  Builder b;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      b.push_back(ch);
    } else {
      char e[3] = {'%', kHexUpper[c >> 4], kHexUpper[c & 0xF]};
      b.append(e, e + 3);
    }
  }
  return keep(b, ctx);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decodes, '+' is a space, and a decoded NUL ends the string.
// Its result is shorter than its input, but never longer than the cap from a capped input.
Value urldecode(std::string_view s, EvalContext& ctx) {
  s = ctx.capped(s);
  Builder b;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      char byte = char(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      if (byte == '\0') break;
      b.push_back(byte);
      i += 2;
    } else if (c == '+') {
      b.push_back(' ');
    } else {
      b.push_back(c);
    }
  }
  return keep(b, ctx);
}

Value change_case(std::string_view s, bool upper, EvalContext& ctx) {
  s = ctx.capped(s);
  char* p = ctx.arena.allocate(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (upper && c >= 'a' && c <= 'z') c = char(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = char(c + 32);
    p[i] = c;
  }
  return Value::string({p, s.size()});
}

int64_t integer_of(const Value& v, EvalContext& ctx) {
  switch (v.kind) {
    case ValueKind::kInteger:
    case ValueKind::kRelTime:
    case ValueKind::kTime:
      return v.integer;
    case ValueKind::kFloat: {
      int64_t i = 0;
      return double_to_int64(v.real, i) ? i : 0;
    }
    case ValueKind::kBool:
      return v.boolean ? 1 : 0;
    default: {
      int64_t i = 0;
      if (!parse_integer_prefix(string_of(v, ctx), i)) return 0;
      return i;
    }
  }
}

// substr(s, offset[, length]): byte offsets; a negative offset counts from the end, a negative
// length stops that many bytes before the end. A start beyond the end is not set.
Value substr(std::string_view s, int64_t offset, bool has_length, int64_t length) {
  int64_t n = int64_t(s.size());
  int64_t start = offset < 0 ? n + offset : offset;
  if (start < 0) start = 0;
  if (start > n) return Value::not_set();
  int64_t end = n;
  if (has_length) end = length < 0 ? n + length : (length > n - start ? n : start + length);
  if (end < start) end = start;
  return Value::string(s.substr(size_t(start), size_t(end - start)));
}

// Appends as much of `s` as keeps `out` within `cap` bytes (it never holds more); false when
// some of it did not fit.
bool append_capped(std::string& out, std::string_view s, size_t cap) {
  size_t room = cap - out.size();
  if (s.size() <= room) {
    out.append(s);
    return true;
  }
  out.append(s.data(), room);
  return false;
}

// Appends `rewrite` with \0..\9 replaced by the groups of the last match and \\ by a backslash,
// up to `cap` bytes of `out`; false when it did not all fit. A group can be as long as the
// input, and a rewrite can name it ten times over.
bool append_rewrite(std::string& out, std::string_view rewrite, const re2::StringPiece* groups,
                    int group_count, size_t cap) {
  size_t i = 0;
  while (i < rewrite.size()) {
    size_t slash = rewrite.find('\\', i);
    // A backslash at the very end is literal.
    if (slash == std::string_view::npos || slash + 1 >= rewrite.size()) {
      return append_capped(out, rewrite.substr(i), cap);
    }
    if (!append_capped(out, rewrite.substr(i, slash - i), cap)) return false;
    char next = rewrite[slash + 1];
    if (next >= '0' && next <= '9') {
      int g = next - '0';
      if (g < group_count &&
          !append_capped(out, std::string_view(groups[g].data(), groups[g].size()), cap)) {
        return false;
      }
    } else if (!append_capped(out, rewrite.substr(slash + 1, 1), cap)) {
      return false;
    }
    i = slash + 2;
  }
  return true;
}

// regsub and regsuball. RE2::GlobalReplace builds a fresh string per call; this loop appends to
// a per-thread buffer instead, so steady-state rendering does not allocate. The result stops at
// ctx.max_value_bytes, and so does the matching: a nested regsuball over a large field works on
// at most that much of the field below it, and the per-thread buffer never grows past it.
Value regex_replace(const Node& node, std::string_view input, std::string_view replacement,
                    bool global, EvalContext& ctx) {
  const RE2& re = *node.regex;
  constexpr int kMaxGroups = 10;  // \0..\9
  int group_count = std::min(re.NumberOfCapturingGroups() + 1, kMaxGroups);
  re2::StringPiece groups[kMaxGroups];
  const size_t cap = ctx.max_value_bytes;
  thread_local std::string out;
  out.clear();
  size_t pos = 0;
  bool replaced = false;
  bool fits = true;
  while (pos <= input.size()) {
    if (!re.Match(input, pos, input.size(), RE2::UNANCHORED, groups, group_count)) break;
    size_t match_start = size_t(groups[0].data() - input.data());
    size_t match_end = match_start + groups[0].size();
    replaced = true;
    fits = append_capped(out, input.substr(pos, match_start - pos), cap) &&
           append_rewrite(out, replacement, groups, group_count, cap);
    if (!fits) break;
    if (!global) {
      pos = match_end;
      break;
    }
    if (match_end == match_start) {
      // An empty match: copy one whole UTF-8 character and try again after it.
      if (match_end >= input.size()) {
        pos = input.size() + 1;
        break;
      }
      size_t step = 1;
      while (match_end + step < input.size() &&
             (static_cast<unsigned char>(input[match_end + step]) & 0xC0) == 0x80) {
        ++step;
      }
      fits = append_capped(out, input.substr(match_end, step), cap);
      if (!fits) break;
      pos = match_end + step;
    } else {
      pos = match_end;
    }
  }
  if (!replaced) return Value::string(input);
  if (fits && pos < input.size()) fits = append_capped(out, input.substr(pos), cap);
  if (!fits) {
    ctx.value_cut = true;
    return Value::string(
        ctx.arena.copy(std::string_view(out).substr(0, utf8_cut_length(out, cap))));
  }
  return Value::string(ctx.arena.copy(out));
}

Value uuid_v4(EvalContext& ctx) {
  uint64_t hi = ctx.random(), lo = ctx.random();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
  char* p = ctx.arena.allocate(36);
  auto hex = [](uint64_t v, int nibble) { return kHexLower[(v >> (nibble * 4)) & 0xF]; };
  size_t k = 0;
  for (int i = 15; i >= 0; --i) {
    p[k++] = hex(hi, i);
    if (i == 8 || i == 4) p[k++] = '-';
  }
  p[k++] = '-';
  for (int i = 15; i >= 0; --i) {
    p[k++] = hex(lo, i);
    if (i == 12) p[k++] = '-';
  }
  return Value::string({p, 36});
}

}  // namespace

const FunctionSpec* find_function(std::string_view name) {
  for (const FunctionSpec& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string_view> function_names() {
  std::vector<std::string_view> names;
  for (const FunctionSpec& f : kFunctions) names.push_back(f.name);
  return names;
}

std::string_view string_of(const Value& v, EvalContext& ctx) {
  if (v.kind == ValueKind::kString) return v.str;
  if (!v.is_set()) return {};
  LineBuffer b;
  append_value_or_empty(b, v);
  return ctx.arena.copy(std::string_view(b.data(), b.size()));
}

bool time_argument(const Value& v, int64_t& usec) {
  switch (v.kind) {
    case ValueKind::kTime:
      usec = v.integer;
      return true;
    case ValueKind::kInteger:
      return checked_mul(v.integer, 1000000, usec) && time_in_range(usec);
    case ValueKind::kFloat:
      return double_to_int64(v.real * 1e6, usec) && time_in_range(usec);
    case ValueKind::kString:
      return parse_rfc3339(v.str, usec) && time_in_range(usec);
    default:
      return false;
  }
}

Value subfield_of(std::string_view list, std::string_view key, char separator) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (true) {
    size_t cut = list.find(separator);
    std::string_view item = trim(list.substr(0, cut));
    size_t eq = item.find('=');
    std::string_view name = trim(item.substr(0, eq));
    if (equal_folded(name, key)) {
      if (eq == std::string_view::npos) return Value::string({});
      std::string_view value = trim(item.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return Value::string(value);
    }
    if (cut == std::string_view::npos) return Value::not_set();
    list.remove_prefix(cut + 1);
  }
}

Value call_function(const Node& node, const Value* args, size_t count, EvalContext& ctx) {
  auto arg = [&](size_t i) { return i < count ? string_of(args[i], ctx) : std::string_view(); };
  switch (node.function) {
    case FunctionId::kJsonEscape:
      return json_escape(arg(0), ctx);
    case FunctionId::kStrftime: {
      int64_t usec;
      if (!time_argument(args[1], usec)) return Value::not_set();
      LineBuffer line;
      append_strftime(line, ctx.capped(arg(0)), usec);
      return keep(line, ctx);
    }
    case FunctionId::kToLower:
      return change_case(arg(0), false, ctx);
    case FunctionId::kToUpper:
      return change_case(arg(0), true, ctx);
    case FunctionId::kStrlen:
      return Value::integer_value(int64_t(arg(0).size()));
    case FunctionId::kPrefixOf: {
      std::string_view s = arg(0), p = arg(1);
      return Value::bool_value(!p.empty() && s.substr(0, p.size()) == p);
    }
    case FunctionId::kSuffixOf: {
      std::string_view s = arg(0), p = arg(1);
      return Value::bool_value(!p.empty() && s.size() >= p.size() &&
                               s.substr(s.size() - p.size()) == p);
    }
    case FunctionId::kAtoi: {
      int64_t i = 0;
      if (args[0].kind == ValueKind::kInteger) return args[0];
      if (!parse_integer_prefix(arg(0), i)) i = 0;
      return Value::integer_value(i);
    }
    case FunctionId::kSubstr:
      return substr(arg(0), integer_of(args[1], ctx), count > 2,
                    count > 2 ? integer_of(args[2], ctx) : 0);
    case FunctionId::kRegsub:
      return regex_replace(node, arg(0), arg(2), false, ctx);
    case FunctionId::kRegsuball:
      return regex_replace(node, arg(0), arg(2), true, ctx);
    case FunctionId::kSubfield: {
      std::string_view sep = count > 2 ? arg(2) : std::string_view(",");
      if (sep.size() != 1) return Value::not_set();
      if (!args[0].is_set()) return Value::not_set();
      return subfield_of(arg(0), arg(1), sep[0]);
    }
    case FunctionId::kUrlencode:
      return urlencode(arg(0), ctx);
    case FunctionId::kUrldecode:
      return urldecode(arg(0), ctx);
    case FunctionId::kCstrEscape:
      return cstr_escape(arg(0), ctx);
    case FunctionId::kXmlEscape:
      return xml_escape(arg(0), ctx);
    case FunctionId::kUuidV4:
      return uuid_v4(ctx);
  }
  return Value::not_set();
}

}  // namespace sluice

#include "config/table_reader.h"

#include <cmath>

#include <fmt/format.h>

#include "core/did_you_mean.h"

namespace sluice {
namespace {

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

}  // namespace

std::string ConfigErrors::joined() const {
  std::string out;
  for (const std::string& e : errors_) {
    out += e;
    out += '\n';
  }
  return out;
}

TableReader::TableReader(const toml::table& table, std::string context, ConfigErrors& errors)
    : table_(table), context_(std::move(context)), errors_(errors) {}

std::string source_prefix(const toml::node& node) {
  const toml::source_region& src = node.source();
  std::string prefix;
  if (src.path) prefix = fmt::format("{}:", *src.path);
  if (src.begin.line > 0) prefix += fmt::format("{}: ", src.begin.line);
  return prefix;
}

uint32_t first_line_with(const toml::array& tables, std::string_view key, std::string_view value) {
  for (const toml::node& node : tables) {
    const toml::table* t = node.as_table();
    const toml::node* v = t != nullptr ? t->get(key) : nullptr;
    if (v != nullptr && v->is_string() && *v->value<std::string_view>() == value) {
      return v->source().begin.line;
    }
  }
  return 0;
}

std::string TableReader::where(const toml::node* node) const {
  return source_prefix(node != nullptr ? *node : table_);
}

void TableReader::error(std::string_view key, std::string_view reason) {
  const toml::node* node = table_.get(key);
  std::string ctx = context_.empty() ? "" : context_ + " ";
  errors_.add(fmt::format("{}{}field \"{}\": {}", where(node), ctx, key, reason));
}

void TableReader::warning(std::string_view key, std::string_view reason) {
  const toml::node* node = table_.get(key);
  std::string ctx = context_.empty() ? "" : context_ + " ";
  errors_.add_warning(fmt::format("{}{}field \"{}\": {}", where(node), ctx, key, reason));
}

const toml::node* TableReader::get(std::string_view key) {
  known_.emplace_back(key);
  return table_.get(key);
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const toml::node* node = get(key);
  if (node == nullptr) {
    if (required) error(key, "is required");
    return std::nullopt;
  }
  if (auto v = node->value<std::string>(); v && node->is_string()) return *v;
  error(key, fmt::format("expected a string, got {}", type_name(*node)));
  return std::nullopt;
}

std::optional<std::string> TableReader::choice(std::string_view key,
                                               const std::vector<std::string_view>& choices) {
  auto v = string(key);
  if (!v) return v;
  for (std::string_view c : choices) {
    if (*v == c) return v;
  }
  std::string list;
  for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  std::string hint = closest_match(*v, choices);
  error(key, fmt::format("\"{}\" is not one of {}{}", *v, list,
                         hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
  return std::nullopt;
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max,
                                            bool required) {
  const toml::node* node = get(key);
  if (node == nullptr) {
    if (required) error(key, "is required");
    return std::nullopt;
  }
  std::optional<int64_t> v;
  if (node->is_integer()) {
    v = node->value<int64_t>();
  } else if (node->is_string()) {
    // Fastly's API sends many numbers as strings ("format_version": "2"); accept those.
    // value<std::string>() returns an optional by value: keep the string, not a reference into it.
    const std::string s = node->value<std::string>().value_or("");
    char* end = nullptr;
    long long parsed = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end != nullptr && *end == '\0') v = parsed;
  }
  if (!v) {
    error(key, "expected an integer");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    error(key, fmt::format("{} is out of range [{}, {}]", *v, min, max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_boolean()) return node->value<bool>();
  if (node->is_string()) {
    // value<std::string>() returns an optional by value: keep the string, not a reference into it.
    const std::string s = node->value<std::string>().value_or("");
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
  }
  error(key, "expected true or false");
  return std::nullopt;
}

namespace {

// "10s" → 10, "500ms" → 0.5; the unit names and their scale.
std::optional<double> parse_with_unit(
    std::string_view text, const std::vector<std::pair<std::string_view, double>>& units) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return std::nullopt;
  double number = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  for (const auto& [name, scale] : units) {
    if (unit == name) return number * scale;
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> TableReader::seconds(std::string_view key, double min, double max) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  std::optional<double> v;
  if (node->is_integer() || node->is_floating_point()) {
    v = node->value<double>();
  } else if (node->is_string()) {
    v = parse_with_unit(*node->value<std::string>(),
                        {{"", 1}, {"s", 1}, {"ms", 0.001}, {"m", 60}, {"h", 3600}});
  }
  if (!v || !std::isfinite(*v)) {
    error(key,
          "expected a duration: a number of seconds, or a string like \"500ms\", \"10s\", \"2m\"");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    error(key, fmt::format("{}s is out of range [{}s, {}s]", *v, min, max));
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> TableReader::bytes(std::string_view key, uint64_t min, uint64_t max) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  std::optional<double> v;
  if (node->is_integer()) {
    v = double(*node->value<int64_t>());
  } else if (node->is_string()) {
    v = parse_with_unit(*node->value<std::string>(), {{"", 1},
                                                      {"B", 1},
                                                      {"KiB", 1024.0},
                                                      {"MiB", 1024.0 * 1024},
                                                      {"GiB", 1024.0 * 1024 * 1024},
                                                      {"KB", 1000.0},
                                                      {"MB", 1e6},
                                                      {"GB", 1e9}});
  }
  if (!v || *v < 0) {
    error(key,
          "expected a size: a number of bytes, or a string like \"64KiB\", \"10MiB\", \"1GiB\"");
    return std::nullopt;
  }
  if (*v < double(min) || *v > double(max)) {
    error(key, fmt::format("{} bytes is out of range [{}, {}]", uint64_t(*v), min, max));
    return std::nullopt;
  }
  return uint64_t(*v);
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_string()) return std::vector<std::string>{*node->value<std::string>()};
  if (const toml::array* a = node->as_array()) {
    std::vector<std::string> out;
    for (const toml::node& n : *a) {
      if (!n.is_string()) {
        error(key, "expected a string or an array of strings");
        return std::nullopt;
      }
      out.push_back(*n.value<std::string>());
    }
    return out;
  }
  error(key, "expected a string or an array of strings");
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> TableReader::string_table(
    std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    error(key, "expected a table of strings");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : *t) {
    if (!v.is_string()) {
      error(key, fmt::format("the value of \"{}\" must be a string", k.str()));
      return std::nullopt;
    }
    out.emplace_back(std::string(k.str()), *v.value<std::string>());
  }
  return out;
}

const toml::array* TableReader::tables(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return nullptr;
  const toml::array* a = node->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    error(key, fmt::format("expected an array of tables ([[{}]])", key));
    return nullptr;
  }
  return a;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return nullptr;
  const toml::table* t = node->as_table();
  if (t == nullptr) error(key, fmt::format("expected a table ([{}])", key));
  return t;
}

void TableReader::finish() {
  std::vector<std::string_view> names(known_.begin(), known_.end());
  for (const auto& [key, node] : table_) {
    std::string_view k = key.str();
    bool is_known = false;
    for (std::string_view n : names) is_known = is_known || n == k;
    if (is_known) continue;
    std::string hint = closest_match(k, names);
    std::string ctx = context_.empty() ? "" : context_ + " ";
    errors_.add(fmt::format("{}{}unknown field \"{}\"{}", where(&node), ctx, k,
                            hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
  }
}

}  // namespace sluice

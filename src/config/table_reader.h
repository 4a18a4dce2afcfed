#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/result.h"

namespace sluice {

// Collects configuration errors so that `sluice check` can report all of them at once.
class ConfigErrors {
 public:
  void add(std::string message) { errors_.push_back(std::move(message)); }
  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] const std::vector<std::string>& all() const { return errors_; }
  [[nodiscard]] std::string joined() const;

  // Problems that do not stop the configuration from loading (a variable name VCL lacks),
  // worded like errors.
  void add_warning(std::string message) { warnings_.push_back(std::move(message)); }
  [[nodiscard]] std::vector<std::string>& warnings() { return warnings_; }

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

// "file:LINE: " where `node` was written, as every configuration error starts ("" when unknown).
[[nodiscard]] std::string source_prefix(const toml::node& node);

// Among `tables`, the line of the first whose `key` is the string `value` (0 if none): where a
// name that is used twice was first used.
[[nodiscard]] uint32_t first_line_with(const toml::array& tables, std::string_view key,
                                       std::string_view value);

// Reads the fields of one TOML table, checking types and ranges, and afterwards reports every
// key that no one asked for as unknown, with the nearest known name as a hint. Each message
// starts with `context` (e.g. `service "svc1" endpoint "to_rsyslog"`) and the source line.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string context, ConfigErrors& errors);

  std::optional<std::string> string(std::string_view key, bool required = false);
  // One of `choices`; an error lists them.
  std::optional<std::string> choice(std::string_view key,
                                    const std::vector<std::string_view>& choices);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max,
                                 bool required = false);
  std::optional<bool> boolean(std::string_view key);
  // A number of seconds, or a string with a unit: "500ms", "10s", "2m".
  std::optional<double> seconds(std::string_view key, double min, double max);
  // A byte size: a number, or a string with a unit: "64KiB", "10MiB", "1GiB".
  std::optional<uint64_t> bytes(std::string_view key, uint64_t min, uint64_t max);
  // A string or an array of strings.
  std::optional<std::vector<std::string>> strings(std::string_view key);
  // A table of string values (e.g. headers).
  std::optional<std::vector<std::pair<std::string, std::string>>> string_table(
      std::string_view key);
  // An array of tables; each element is handed to the caller with its own reader.
  const toml::array* tables(std::string_view key);
  const toml::table* table(std::string_view key);

  // True when the key is present and holds a string, for fields that take either a number or a
  // keyword (concurrency = 4 or "adaptive"). Does not mark the key as known.
  [[nodiscard]] bool is_string(std::string_view key) const {
    const toml::node* node = table_.get(key);
    return node != nullptr && node->is_string();
  }

  // Marks a key as known without reading it (it is read elsewhere).
  void known(std::string_view key) { known_.emplace_back(key); }

  // Reports unknown keys. Call once, after every field was read.
  void finish();

  void error(std::string_view key, std::string_view reason);
  // The same message as error() would give, as a warning: the configuration still loads.
  void warning(std::string_view key, std::string_view reason);
  [[nodiscard]] const std::string& context() const { return context_; }

 private:
  const toml::node* get(std::string_view key);
  std::string where(const toml::node* node) const;

  const toml::table& table_;
  std::string context_;
  ConfigErrors& errors_;
  std::vector<std::string> known_;
};

}  // namespace sluice

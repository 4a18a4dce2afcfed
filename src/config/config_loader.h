#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "core/result.h"

namespace sluice {

// Parses and validates a configuration. On failure the Error holds every problem found, one
// per line, each naming the service, the endpoint and the field.
[[nodiscard]] Result<Config> load_config_file(const std::string& path);
[[nodiscard]] Result<Config> load_config_string(std::string_view text, std::string source_name);

// The configuration `sluice run` uses when given no file.
[[nodiscard]] std::string_view default_config_text();

}  // namespace sluice

#include "app/check_command.h"

#include <fmt/format.h>

#include "config/config_loader.h"

namespace sluice {

void add_check_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Validate a configuration without running it: TOML syntax, field names and values, "
      "formats and conditions (with their column), and the names they refer to. Exit status 0 "
      "when it is valid, 1 when not (every problem is printed), 2 on a usage error.");
  cmd->add_option("-c,--config", *path, "The configuration file (sluice.toml)")->required();
  cmd->callback([path, &exit_code] {
    auto config = load_config_file(*path);
    if (!config) {
      fmt::print(stderr, "{}", config.error().message());
      if (config.error().message().back() != '\n') fmt::print(stderr, "\n");
      exit_code = 1;
      return;
    }
    size_t endpoints = 0;
    for (const auto& s : config->services) endpoints += s.endpoints.size();
    fmt::print("{}: OK: {} service(s), {} endpoint(s), {} source(s)\n", *path,
               config->services.size(), endpoints, config->sources.size());
    exit_code = 0;
  });
}

}  // namespace sluice

#include "app/check_command.h"

#include <fmt/format.h>

#include "config/config_loader.h"

namespace sluice {

void add_check_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Validate a configuration without running it: TOML syntax, field names and values, "
      "formats and conditions (with their column), and the names they refer to. Variables that "
      "VCL does not have (typos such as req.urll) and FLOAT literals compared with INTEGER "
      "variables are printed as warnings. Exit status 0 when it is valid, warnings or not, 1 "
      "when not (every problem is printed), 2 on a usage error.");
  cmd->add_option("-c,--config", *path, "The configuration file (sluice.toml)")->required();
  cmd->callback([path, &exit_code] {
    auto config = load_config_file(*path);
    if (!config) {
      fmt::print(stderr, "{}", config.error().message());
      if (config.error().message().back() != '\n') fmt::print(stderr, "\n");
      exit_code = 1;
      return;
    }
    // Warnings do not make the configuration invalid: `sluice run` would run it as it is.
    for (const std::string& w : config->warnings) fmt::print(stderr, "warning: {}\n", w);
    size_t endpoints = 0;
    for (const auto& s : config->services) endpoints += s.endpoints.size();
    std::string warnings = config->warnings.empty()
                               ? std::string()
                               : fmt::format(" ({} warning(s))", config->warnings.size());
    fmt::print("{}: OK: {} service(s), {} endpoint(s), {} source(s){}\n", *path,
               config->services.size(), endpoints, config->sources.size(), warnings);
    exit_code = 0;
  });
}

}  // namespace sluice

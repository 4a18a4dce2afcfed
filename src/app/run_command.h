#pragma once

#include <CLI/CLI.hpp>

namespace sluice {

// `sluice run`: runs the embedded default configuration.
void add_run_command(CLI::App& app, int& exit_code);

}  // namespace sluice

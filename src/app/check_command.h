#pragma once

#include <CLI/CLI.hpp>

namespace sluice {

// `sluice check -c FILE`: validates a configuration without running it.
void add_check_command(CLI::App& app, int& exit_code);

}  // namespace sluice

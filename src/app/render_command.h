#pragma once

#include <CLI/CLI.hpp>

namespace sluice {

// `sluice render`: renders NDJSON request records through a format, the way an endpoint would.
void add_render_command(CLI::App& app, int& exit_code);

}  // namespace sluice

#pragma once

#include <CLI/CLI.hpp>

namespace sluice {

// `sluice queue inspect DIR` and `sluice queue replay SERVICE/ENDPOINT --from TIME`: look into
// and re-send from the disk queues of a storage dir.
void add_queue_command(CLI::App& app, int& exit_code);

}  // namespace sluice

#pragma once

#include <CLI/CLI.hpp>

namespace sluice {

// `sluice challenge SERVICE_ID`: prints the line an HTTPS receiver must serve at
// /.well-known/fastly/logging/challenge for sluice to deliver that service's logs to it.
void add_challenge_command(CLI::App& app, int& exit_code);

}  // namespace sluice

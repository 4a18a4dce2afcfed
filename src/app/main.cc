#include <CLI/CLI.hpp>

#include "app/challenge_command.h"
#include "app/check_command.h"
#include "app/queue_command.h"
#include "app/render_command.h"
#include "app/run_command.h"

int main(int argc, char** argv) {
  CLI::App app{"sluice: a real-time log streaming engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice 0.1.0");
  int exit_code = 0;
  sluice::add_challenge_command(app, exit_code);
  sluice::add_check_command(app, exit_code);
  sluice::add_queue_command(app, exit_code);
  sluice::add_render_command(app, exit_code);
  sluice::add_run_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports usage errors by exception; this is the command line, not the data path.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}

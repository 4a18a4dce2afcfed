#include "app/run_command.h"

#include <fmt/format.h>

#include "config/config_loader.h"
#include "core/log.h"
#include "engine/engine.h"

namespace sluice {
namespace {

int run(const std::string& path) {
  auto config = path.empty() ? load_config_string(default_config_text(), "<embedded default>")
                             : load_config_file(path);
  if (!config) {
    fmt::print(stderr, "{}", config.error().message());
    if (config.error().message().back() != '\n') fmt::print(stderr, "\n");
    return 1;
  }
  // The warnings `sluice check` prints, once at start (a reload logs its own).
  for (const std::string& w : config->warnings) log_warn("warning: {}", w);
  std::string name = path.empty() ? "the embedded default configuration" : path;
  size_t services = config->services.size();
  auto engine = Engine::start(std::move(*config), path);
  if (!engine) {
    fmt::print(stderr, "sluice run: {}\n", engine.error().message());
    return 1;
  }
  fmt::print(stderr, "sluice: running {} ({} service(s))\n", name, services);
  for (const std::string& what : (*engine)->describe())
    fmt::print(stderr, "sluice: listening: {}\n", what);
  return (*engine)->run_until_signal();
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run sluice. Without -c it runs the embedded default configuration: syslog on "
      "127.0.0.1:5140 (TCP and UDP), HTTP ingest on 127.0.0.1:8080, the API on 127.0.0.1:8686, "
      "and one service, \"default\", whose endpoint \"stdout\" prints Common Log Format lines. "
      "SIGHUP reloads the file given with -c and activates it live (a file that fails validation "
      "is refused and the running configuration stays). SIGTERM or SIGINT drains the queues for "
      "up to shutdown_grace and stops.");
  cmd->add_option("-c,--config", *path, "The configuration file (sluice.toml)");
  cmd->callback([path, &exit_code] { exit_code = run(*path); });
}

}  // namespace sluice

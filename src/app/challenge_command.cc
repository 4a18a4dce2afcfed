#include "app/challenge_command.h"

#include <fmt/format.h>

#include "sinks/http/challenge.h"

namespace sluice {

void add_challenge_command(CLI::App& app, int& exit_code) {
  auto ids = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "challenge",
      "Print the line an HTTPS log receiver must serve at "
      "/.well-known/fastly/logging/challenge to accept a service's logs: hex(sha256(SERVICE_ID)). "
      "A receiver for several services serves one line per service, or a line \"*\" for any.");
  cmd->add_option("SERVICE_ID", *ids, "The service id(s)")->required();
  cmd->callback([ids, &exit_code] {
    for (const std::string& id : *ids) fmt::print("{}\n", challenge_token(id));
    exit_code = 0;
  });
}

}  // namespace sluice

#include "app/run_command.h"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "app/line_reader.h"
#include "core/log_statement.h"
#include "core/record_decoder.h"
#include "format/line_renderer.h"

namespace sluice {
namespace {

// The embedded default: one service, "default", whose one endpoint, "stdout", writes
// Common Log Format lines to standard output.
constexpr std::string_view kDefaultService = "default";
constexpr std::string_view kDefaultEndpoint = "stdout";
constexpr std::string_view kDefaultFormat = R"(%h %l %u %t "%r" %>s %b)";

int64_t now_usec() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run_default() {
  auto format = LogFormat::compile(kDefaultFormat);
  if (!format) {
    fmt::print(stderr, "sluice run: embedded format: {}\n", format.error().message());
    return 2;
  }
  LineRenderer renderer(std::move(*format), std::nullopt);
  fmt::print(stderr,
             "sluice run: embedded default configuration: stdin -> service \"{}\" -> endpoint "
             "\"{}\" ({})\n"
             "sluice run: send NDJSON request records or `syslog {} {} :: message` lines; "
             "Ctrl-D ends\n",
             kDefaultService, kDefaultEndpoint, kDefaultFormat, kDefaultService, kDefaultEndpoint);

  RecordDecoder decoder;
  Record record;
  EvalContext ctx;
  LineBuffer out;
  LineRuleCounters statement_cuts;
  uint64_t delivered = 0, rejected = 0, unknown_endpoint = 0;
  bool read_ok = for_each_line(0, [&](std::string_view line, uint64_t number) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    out.clear();
    if (auto st = parse_log_statement(line)) {
      if (st->service_id != kDefaultService || st->endpoint != kDefaultEndpoint) {
        ++unknown_endpoint;
        fmt::print(stderr,
                   "sluice run: stdin:{}: dropped: unknown endpoint \"{}\" of service \"{}\"\n",
                   number, st->endpoint, st->service_id);
        return;
      }
      out.append(st->message.data(), st->message.data() + st->message.size());
      statement_cuts.count(apply_line_rules(out, 0));
    } else {
      if (Status s = decoder.decode(line, record); !s) {
        ++rejected;
        fmt::print(stderr, "sluice run: stdin:{}: rejected: {}\n", number, s.error().message());
        return;
      }
      ctx.now_usec = now_usec();
      renderer.render(record, ctx, out);
    }
    out.push_back('\n');
    write_all(1, out.data(), out.size());
    ++delivered;
  });
  const LineRuleCounters& cuts = renderer.counters();
  fmt::print(stderr,
             "sluice run: delivered {}, rejected {}, dropped for an unknown endpoint {}, "
             "cut at a newline {}, truncated {}\n",
             delivered, rejected, unknown_endpoint,
             cuts.cut_at_terminator + statement_cuts.cut_at_terminator,
             cuts.truncated_at_limit + statement_cuts.truncated_at_limit);
  if (!read_ok) {
    fmt::print(stderr, "sluice run: reading stdin: {}\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run sluice on its embedded default configuration: request records (NDJSON) and log "
      "statements read from stdin go to service \"default\", whose endpoint \"stdout\" prints "
      "them in Common Log Format.");
  cmd->callback([&exit_code] { exit_code = run_default(); });
}

}  // namespace sluice

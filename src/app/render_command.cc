#include "app/render_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "app/line_reader.h"
#include "core/record_decoder.h"
#include "format/line_renderer.h"

namespace sluice {
namespace {

struct RenderOptions {
  std::string format;
  int format_version = 2;
  std::string condition;
  std::string record_file = "-";
  size_t max_line_bytes = kDefaultMaxLineBytes;
};

// "@path" reads the text from a file (one trailing newline dropped); anything else is the text.
Result<std::string> text_or_file(const std::string& arg, std::string_view what) {
  if (arg.empty() || arg[0] != '@') return arg;
  std::ifstream in(arg.substr(1), std::ios::binary);
  if (!in) return Error(fmt::format("cannot read the {} file {}", what, arg.substr(1)));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

int run_render(const RenderOptions& opt) {
  auto format_text = text_or_file(opt.format, "format");
  if (!format_text) {
    fmt::print(stderr, "sluice render: {}\n", format_text.error().message());
    return 2;
  }
  if (opt.format_version != 1 && opt.format_version != 2) {
    fmt::print(stderr, "sluice render: --format-version must be 1 or 2, got {}\n",
               opt.format_version);
    return 2;
  }
  auto format = LogFormat::compile(*format_text, FormatVersion(opt.format_version));
  if (!format) {
    fmt::print(stderr, "sluice render: format: {}\n", format.error().message());
    return 2;
  }
  std::optional<Condition> condition;
  if (!opt.condition.empty()) {
    auto text = text_or_file(opt.condition, "condition");
    if (!text) {
      fmt::print(stderr, "sluice render: {}\n", text.error().message());
      return 2;
    }
    auto compiled = Condition::compile(*text);
    if (!compiled) {
      fmt::print(stderr, "sluice render: condition: {}\n", compiled.error().message());
      return 2;
    }
    condition.emplace(std::move(*compiled));
  }

  int fd = 0;
  if (opt.record_file != "-") {
    fd = ::open(opt.record_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fmt::print(stderr, "sluice render: cannot open {}: {}\n", opt.record_file,
                 std::strerror(errno));
      return 2;
    }
  }

  LineRenderer renderer(std::move(*format), std::move(condition), opt.max_line_bytes);
  RecordDecoder decoder;
  Record record;
  EvalContext ctx;
  ctx.now_usec = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  LineBuffer out;
  constexpr size_t kFlushBytes = 1 << 20;
  uint64_t lines = 0, rejected = 0;
  std::string source = opt.record_file == "-" ? "stdin" : opt.record_file;
  bool read_ok = for_each_line(fd, [&](std::string_view line, uint64_t number) {
    lines = number;
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    if (Status st = decoder.decode(line, record); !st) {
      ++rejected;
      fmt::print(stderr, "sluice render: {}:{}: {}\n", source, number, st.error().message());
      return;
    }
    if (renderer.render(record, ctx, out)) out.push_back('\n');
    if (out.size() >= kFlushBytes) {
      write_all(1, out.data(), out.size());
      out.clear();
    }
  });
  if (!read_ok) {
    fmt::print(stderr, "sluice render: reading {}: {}\n", source, std::strerror(errno));
    return 2;
  }
  write_all(1, out.data(), out.size());
  if (fd != 0) ::close(fd);

  const LineRuleCounters& c = renderer.counters();
  if (c.cut_at_terminator > 0 || c.truncated_at_limit > 0) {
    fmt::print(stderr,
               "sluice render: {} line(s) cut at a newline or NUL, {} truncated at {} bytes\n",
               c.cut_at_terminator, c.truncated_at_limit, renderer.max_line_bytes());
  }
  if (rejected > 0) {
    fmt::print(stderr, "sluice render: {} of {} record(s) rejected\n", rejected, lines);
    return 1;
  }
  return 0;
}

}  // namespace

void add_render_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render",
      "Render NDJSON request records through a log format, printing the line each endpoint "
      "would deliver.\n"
      "Exit status: 0 all records rendered, 1 some records were not valid JSON (each is "
      "reported on stderr with its line number), 2 the format or condition does not compile.");
  cmd->add_option("--format,-f", opt->format,
                  "The format (Fastly's Apache-style directives and %{VCL}V), or @path to read it "
                  "from a file")
      ->required();
  cmd->add_option("--format-version", opt->format_version, "Fastly format_version: 1 or 2")
      ->capture_default_str();
  cmd->add_option("--condition,-c", opt->condition,
                  "A VCL boolean expression (or @path); only records for which it holds are "
                  "rendered, e.g. 'resp.status >= 400'");
  cmd->add_option("--record,-r", opt->record_file,
                  "NDJSON file of request records, one JSON object per line; - for stdin")
      ->capture_default_str();
  cmd->add_option("--max-line-bytes", opt->max_line_bytes,
                  "Longest line; longer lines are cut and counted (16384, or 65536 for services "
                  "with the larger limit)")
      ->capture_default_str()
      ->check(CLI::Range(size_t(1), size_t(64 * 1024)));
  cmd->callback([opt, &exit_code] { exit_code = run_render(*opt); });
}

}  // namespace sluice

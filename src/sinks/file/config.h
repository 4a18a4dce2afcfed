#pragma once

#include <memory>
#include <string>

#include "sinks/sink_settings.h"

namespace sluice {

// Fields of the file, stdout and stderr endpoints.
struct FileSinkSettings : SinkSettings {
  enum class Target { kFile, kStdout, kStderr };
  Target target = Target::kFile;
  std::string path;           // strftime(3) pattern, UTC; the file rotates when the name changes
  int gzip_level = 0;         // 0: plain text; 1-9: each file is a gzip stream
  double period_seconds = 1;  // lines are flushed at least this often
  void print(FieldMap& out) const override;
};

std::shared_ptr<const SinkSettings> parse_file_settings(TableReader& reader);
std::shared_ptr<const SinkSettings> parse_stdout_settings(TableReader& reader);
std::shared_ptr<const SinkSettings> parse_stderr_settings(TableReader& reader);

}  // namespace sluice

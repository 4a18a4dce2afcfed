#include "sinks/file/config.h"

#include "config/table_reader.h"

namespace sluice {
namespace {

std::shared_ptr<const SinkSettings> parse(TableReader& r, FileSinkSettings::Target target) {
  auto s = std::make_shared<FileSinkSettings>();
  s->target = target;
  if (target == FileSinkSettings::Target::kFile) {
    if (auto p = r.string("path", true)) s->path = *p;
    if (auto g = r.integer("gzip_level", 0, 9)) s->gzip_level = int(*g);
  }
  if (auto p = r.seconds("period", 0.001, 3600)) s->period_seconds = *p;
  return s;
}

}  // namespace

void FileSinkSettings::print(FieldMap& out) const {
  if (target == Target::kFile) {
    out.insert_or_assign("path", path);
    out.insert_or_assign("gzip_level", int64_t(gzip_level));
  }
  out.insert_or_assign("period", period_seconds);
}

std::shared_ptr<const SinkSettings> parse_file_settings(TableReader& r) {
  return parse(r, FileSinkSettings::Target::kFile);
}
std::shared_ptr<const SinkSettings> parse_stdout_settings(TableReader& r) {
  return parse(r, FileSinkSettings::Target::kStdout);
}
std::shared_ptr<const SinkSettings> parse_stderr_settings(TableReader& r) {
  return parse(r, FileSinkSettings::Target::kStderr);
}

}  // namespace sluice

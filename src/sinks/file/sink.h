#pragma once

#include <memory>

#include "sinks/sink.h"

namespace sluice {

// file, stdout and stderr endpoints.
[[nodiscard]] std::unique_ptr<Sink> make_file_sink(SinkContext& ctx);

}  // namespace sluice

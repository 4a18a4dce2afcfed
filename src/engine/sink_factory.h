#pragma once

#include <memory>

#include "sinks/sink.h"

namespace sluice {

// The running sink for an endpoint's type. One line per type in sink_factory.cc.
[[nodiscard]] std::unique_ptr<Sink> make_sink(SinkContext& ctx);

}  // namespace sluice

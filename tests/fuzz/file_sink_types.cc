// The endpoint type registry for the fuzz targets that load a configuration: the types of
// sluice_runtime only (file, stdout, stderr), so that they link none of the network endpoints'
// libraries. The engine's registry is generated in src/CMakeLists.txt.

#include <vector>

#include "sinks/sink_type.h"

namespace sluice {

const SinkType& file_sink_type();
const SinkType& stdout_sink_type();
const SinkType& stderr_sink_type();

const std::vector<const SinkType*>& sink_types() {
  static const std::vector<const SinkType*> types = {&file_sink_type(), &stdout_sink_type(),
                                                     &stderr_sink_type()};
  return types;
}

}  // namespace sluice

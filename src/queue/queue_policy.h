#pragma once

#include <cstdint>

namespace sluice {

// What a full queue does with a push (DESIGN "Delivery"): push back on the source (block), or
// drop and count.
enum class WhenFull : uint8_t { kBlock, kDropNewest, kDropOldest };
// When a disk queue fsyncs (storage.fsync): before acknowledging the source, on a timer, or never
// (the kernel writes back when it likes).
enum class FsyncMode : uint8_t { kAlways, kInterval, kNever };

}  // namespace sluice

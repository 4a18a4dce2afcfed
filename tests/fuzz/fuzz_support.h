#pragma once

#include <string_view>

#include "core/record.h"
#include "core/record_decoder.h"
#include "format/eval_context.h"

namespace sluice::fuzz {

// The records the parser targets render against. Each is decoded once, on first use, and lives
// for the whole process, the way the engine keeps one record per event while many endpoints read
// it.
//
// realistic_record(): a full request record, the DESIGN.md "Events" example plus the headers a
// CDN sees (user agent, referer, cookies, cache-control with subfields, geo, tls).
// sparse_record(): a few fields only, so that not-set paths and derivations run.
// typed_record(): the same names with other JSON types (times as numbers, the status as text,
// floats, booleans, nested values), still within realistic ranges.
[[nodiscard]] const Record& realistic_record();
[[nodiscard]] const Record& sparse_record();
[[nodiscard]] const Record& typed_record();

// One context per process, reused across inputs as a loop thread reuses its own. `now` is fixed
// so that a crash reproduces.
[[nodiscard]] EvalContext& shared_context();

}  // namespace sluice::fuzz

#pragma once

#include <string>
#include <vector>

#include "format/expression.h"
#include "format/log_format.h"

namespace sluice {

// What a compiled format or condition asks of a record that VCL would not accept, found when a
// configuration loads: a variable name VCL does not have (a typo, with the closest known name),
// and a FLOAT literal compared with an INTEGER variable. Each message starts with "col N: ".
//
// These are warnings, not errors: records may carry any key, and sluice compares numbers
// whatever their type, so such a format still renders. But Fastly would reject the same format,
// and a typo renders "(null)" on every line without any other sign.
[[nodiscard]] std::vector<std::string> check_variables(const Expression& expression);
[[nodiscard]] std::vector<std::string> check_variables(const LogFormat& format);

}  // namespace sluice

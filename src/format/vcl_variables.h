#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sluice {

// The types Fastly's VCL reference gives its variables.
enum class VclType : uint8_t { kString, kInteger, kFloat, kBool, kTime, kRTime, kIp, kBackend };

[[nodiscard]] std::string_view to_string(VclType type);  // "STRING", "INTEGER", ...

// One variable of Fastly's VCL that a logging format or condition can read. A `*` segment in
// the name stands for any one segment, a name the service chooses: backend.*.healthy.
struct VclVariable {
  std::string_view name;
  VclType type;
};

// Every VCL variable sluice knows: the table in vcl_variables.cc. Used only when a configuration
// loads (to warn about typos), never when a line renders.
[[nodiscard]] std::span<const VclVariable> vcl_variables();

// The variable of that name (ASCII case folded, as records match names), or nullptr.
[[nodiscard]] const VclVariable* find_vcl_variable(std::string_view name);

// What a name in a format or condition is, for `sluice check`:
//   kKnown   a VCL variable of the table;
//   kHeader  under req.http., resp.http., bereq.http., beresp.http. or obj.http.: any header;
//   kCustom  a record key of the user's own: its first segment is not a VCL namespace (geo.city,
//            app.tenant, tenant), so VCL cannot have meant it;
//   kUnknown under a VCL namespace but not a VCL variable: most likely a typo (req.urll).
// Records may carry any key, so an unknown name still works when a record has it: this decides
// only what to warn about.
enum class NameKind : uint8_t { kKnown, kHeader, kCustom, kUnknown };

struct NameCheck {
  NameKind kind = NameKind::kCustom;
  const VclVariable* variable = nullptr;  // kKnown
  std::string suggestion;                 // kUnknown: the closest known name, or ""
};

[[nodiscard]] NameCheck check_variable_name(std::string_view name);

}  // namespace sluice

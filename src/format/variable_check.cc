#include "format/variable_check.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "format/vcl_variables.h"

namespace sluice {
namespace {

using Finding = std::pair<uint32_t, std::string>;  // column, message

void check_name(const Node& n, std::vector<Finding>& out) {
  NameCheck c = check_variable_name(n.variable.name);
  if (c.kind != NameKind::kUnknown) return;
  out.emplace_back(n.col, c.suggestion.empty()
                              ? fmt::format("unknown variable \"{}\"", n.variable.name)
                              : fmt::format("unknown variable \"{}\" (did you mean \"{}\"?)",
                                            n.variable.name, c.suggestion));
}

// VCL types a comparison's sides; an INTEGER variable against a FLOAT literal (resp.status ==
// 200.5) does not compile there. sluice compares the numbers, so it is worth saying why Fastly
// would refuse the same condition.
void check_compare(const std::vector<Node>& nodes, const Node& n, std::vector<Finding>& out) {
  for (int side = 0; side < 2; ++side) {
    const Node& var = nodes[n.kids[side]];
    const Node& lit = nodes[n.kids[1 - side]];
    if (var.kind != NodeKind::kVariable || lit.kind != NodeKind::kLiteral ||
        lit.literal.kind != ValueKind::kFloat) {
      continue;
    }
    const VclVariable* v = find_vcl_variable(var.variable.name);
    if (v == nullptr || v->type != VclType::kInteger) continue;
    double real = lit.literal.real;
    // 200.0 as written, not "200": the point is that it is not an integer literal.
    std::string spelled =
        real == double(int64_t(real)) ? fmt::format("{:.1f}", real) : fmt::format("{}", real);
    out.emplace_back(
        lit.col, fmt::format("{} is an INTEGER in VCL; {} is a FLOAT", var.variable.name, spelled));
  }
}

void check(const Expression& e, std::vector<Finding>& out) {
  const std::vector<Node>& nodes = e.nodes();
  for (const Node& n : nodes) {
    if (n.kind == NodeKind::kVariable || n.kind == NodeKind::kSubfield) check_name(n, out);
    if (n.kind == NodeKind::kCompare) check_compare(nodes, n, out);
  }
}

std::vector<std::string> messages(std::vector<Finding> findings) {
  // Nodes are stored children first: order by column, as the user reads the text.
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(findings.size());
  for (auto& [col, message] : findings) out.push_back(fmt::format("col {}: {}", col, message));
  return out;
}

}  // namespace

std::vector<std::string> check_variables(const Expression& expression) {
  std::vector<Finding> findings;
  check(expression, findings);
  return messages(std::move(findings));
}

std::vector<std::string> check_variables(const LogFormat& format) {
  std::vector<Finding> findings;
  for (const Expression* e : format.expressions()) check(*e, findings);
  return messages(std::move(findings));
}

}  // namespace sluice

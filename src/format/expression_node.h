#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "core/value.h"
#include "core/variable.h"

namespace sluice {

enum class NodeKind : uint8_t {
  kLiteral,
  kVariable,
  kSubfield,  // var:key
  kConcat,    // a + b, or a b
  kIf,        // if(cond, then, else)
  kNot,
  kAnd,
  kOr,
  kCompare,
  kMatch,  // ~ and !~ (negate)
  kCall,
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

enum class FunctionId : uint8_t {
  kJsonEscape,
  kStrftime,
  kToLower,
  kToUpper,
  kStrlen,
  kPrefixOf,
  kSuffixOf,
  kAtoi,
  kSubstr,
  kRegsub,
  kRegsuball,
  kSubfield,
  kUrlencode,
  kUrldecode,
  kCstrEscape,
  kXmlEscape,
  kUuidV4,
};

// One node of a compiled expression. Children are indices into the expression's node array.
struct Node {
  NodeKind kind = NodeKind::kLiteral;
  CompareOp compare = CompareOp::kEq;
  bool negate = false;  // kMatch: !~
  FunctionId function = FunctionId::kJsonEscape;
  char separator = ',';  // kSubfield
  Value literal;         // kLiteral; strings view into the expression's literal store
  VariableRef variable;  // kVariable, kSubfield
  std::string subfield;  // kSubfield key
  // kMatch, regsub, regsuball: compiled once at load. RE2 matches in linear time, so a tenant's
  // pattern cannot stall the engine.
  std::shared_ptr<const RE2> regex;
  std::vector<uint32_t> kids;
  uint32_t col = 1;
};

}  // namespace sluice

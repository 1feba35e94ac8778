#include "services/alignment/functions.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"

namespace throughline::alignment {

const std::vector<DefaultFunction>& DefaultFunctions() {
  static const auto* const kFunctions = new std::vector<DefaultFunction>{
      {"product", "Product",
       {v1::VALUE_PROPOSITION, v1::POSITIONING_AND_MESSAGING, v1::ONBOARDING_FLOWS}},
      {"engineering", "Engineering",
       {v1::KNOBS_AND_CONFIGURABILITY, v1::DEFAULTS, v1::ARCHITECTURE_TRADE_OFFS}},
      {"operations", "Operations", {v1::OPERATIONAL_GUARANTEES, v1::RELIABILITY_EXPECTATIONS}},
      {"sales", "Sales", {v1::PRICING_LOGIC, v1::SALES_AND_ADOPTION_MOTIONS}},
      {"support", "Support", {v1::SUPPORT_MODEL}},
  };
  return *kFunctions;
}

bool IsDefaultFunction(std::string_view function_id) {
  const auto& functions = DefaultFunctions();
  return std::any_of(functions.begin(), functions.end(),
                     [&](const DefaultFunction& f) { return f.id == function_id; });
}

std::string AreaDescription(v1::Area area) {
  return absl::AsciiStrToLower(absl::StrReplaceAll(v1::Area_Name(area), {{"_", " "}}));
}

}  // namespace throughline::alignment

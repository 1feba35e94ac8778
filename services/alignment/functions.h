#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

// A function every organization has, with the areas it answers for (DESIGN.md §5).
struct DefaultFunction {
  std::string id;
  std::string display_name;
  std::vector<v1::Area> areas;
};

// product, engineering, operations, sales, support.
const std::vector<DefaultFunction>& DefaultFunctions();

bool IsDefaultFunction(std::string_view function_id);

// "knobs and configurability" for KNOBS_AND_CONFIGURABILITY: how tasks name their areas.
std::string AreaDescription(v1::Area area);

}  // namespace throughline::alignment

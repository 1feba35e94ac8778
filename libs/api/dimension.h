#pragma once

#include <string_view>

namespace throughline::api {

// A need dimension key (DESIGN.md §3), shared by segments, decisions, knobs and commitments:
// 1-63 characters of [a-z0-9_], starting with a letter, e.g. "configurability".
inline bool IsValidDimension(std::string_view dimension) {
  if (dimension.empty() || dimension.size() > 63) return false;
  if (dimension[0] < 'a' || dimension[0] > 'z') return false;
  for (char c : dimension) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

inline constexpr char kDimensionRule[] =
    "must be 1-63 characters of a-z, 0-9 and _, starting with a letter, e.g. "
    "\"configurability\"";

}  // namespace throughline::api

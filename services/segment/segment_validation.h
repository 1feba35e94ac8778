#pragma once

#include <string_view>

#include "libs/errors/errors.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::segment {

// Limits of the segment service's fields (documented in the proto comments).
inline constexpr int kMaxListEntries = 100;
inline constexpr int kMaxPriority = 1'000;

// Adds a violation, with the field path under `prefix` (e.g. "market"), for every invalid
// user-settable field of `market`. Output-only fields are not checked: they are ignored.
void ValidateMarket(const v1::Market& market, std::string_view prefix,
                    errors::Violations& violations);

// Same for a segment, including each need: a dimension key, an importance, unique dimensions.
void ValidateSegment(const v1::Segment& segment, std::string_view prefix,
                     errors::Violations& violations);

}  // namespace throughline::segment

#pragma once

#include <string>
#include <string_view>

#include "libs/errors/errors.h"
#include "throughline/offering/v1/resources.pb.h"

namespace throughline::offering {

// The name of a segment of the segment service, which offerings target.
inline constexpr char kSegmentPattern[] =
    "organizations/{organization}/markets/{market}/segments/{segment}";

// The explanation a decision without a why gets: the why is what coherence checks.
inline constexpr char kWhyRequired[] =
    "why is required: state the customer value this decision serves for the target segment. "
    "Without the why nobody can check the decision against the segment's needs, and execution "
    "drifts from the promise while everyone agrees on what to build";

// Adds a violation on `path` unless `target_segment` is the name of a segment of
// `organization`. Checked before the segment service is asked, so a malformed or foreign name
// is a field error of this request, never a remote call.
void CheckTargetSegment(const std::string& target_segment, std::string_view organization,
                        const std::string& path, errors::Violations& violations);

// Adds a violation under `prefix` for every invalid user-settable field of `offering`
// (target_segment is checked for shape here and for existence by the catalog).
void ValidateOffering(const v1::Offering& offering, std::string_view organization,
                      std::string_view prefix, errors::Violations& violations);

// Same for a decision. `offering_name` is the decision's parent; superseded_by must be
// another decision of it.
void ValidateDecision(const v1::Decision& decision, std::string_view offering_name,
                      std::string_view prefix, errors::Violations& violations);

}  // namespace throughline::offering

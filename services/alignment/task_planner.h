#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::alignment {

// What one affected offering looks like after a triggering change: the offering, its accepted
// decisions and its coherence against the segment after the change.
struct AffectedOffering {
  offering::v1::Offering offering;
  std::vector<offering::v1::Decision> accepted_decisions;
  offering::v1::CoherenceReport coherence;
};

// The segment side of a trigger: the target segment before and after. On a retarget
// `before` is the previous target segment; on a segment change, the same segment before it.
struct SegmentChange {
  segment::v1::Segment before;
  segment::v1::Segment after;
};

// How needs changed between two snapshots, in the order of `after` then the disappeared ones.
std::vector<v1::NeedChange> NeedChanges(
    const google::protobuf::RepeatedPtrField<type::v1::Need>& before,
    const google::protobuf::RepeatedPtrField<type::v1::Need>& after);

// The re-evaluation task of `function` for one affected offering (DESIGN.md §5): the why
// (value proposition, rationale, needs before and after and what changed), the areas to
// revisit, the function's decisions that are incoherent after the change, the owner and the
// due time. Name, uid, state and times are left to the caller.
v1::Task PlanTask(const v1::Trigger& trigger, const AffectedOffering& affected,
                  const SegmentChange& change, const v1::Function& function, absl::Time due);

}  // namespace throughline::alignment

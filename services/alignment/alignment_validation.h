#pragma once

#include <string>
#include <vector>

#include "libs/errors/errors.h"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

// Resource names the alignment service accepts (AIP-122 patterns for api::ParseName).
inline constexpr char kOrganizationPattern[] = "organizations/{organization}";
inline constexpr char kFunctionPattern[] = "organizations/{organization}/functions/{function}";
inline constexpr char kOfferingPattern[] = "organizations/{organization}/offerings/{offering}";
inline constexpr char kCommitmentPattern[] =
    "organizations/{organization}/offerings/{offering}/commitments/{function}";
inline constexpr char kTaskPattern[] = "organizations/{organization}/tasks/{task}";
inline constexpr char kSegmentPattern[] =
    "organizations/{organization}/markets/{market}/segments/{segment}";

// The fields an update_mask may name, per resource (a segment's for PreviewSegmentChange).
inline const std::vector<std::string> kFunctionUpdatable = {"display_name", "owner",
                                                            "escalation_owner", "areas"};
inline const std::vector<std::string> kCommitmentUpdatable = {"statement", "local_metrics"};
inline const std::vector<std::string> kSegmentUpdatable = {"display_name", "description",
                                                           "needs", "targeting", "priority"};

// Adds a violation under "function." for every invalid user-settable field of `function`:
// lengths of display_name, owner and escalation_owner, and each area valid and given once.
void ValidateFunction(const v1::Function& function, errors::Violations& violations);

// Same for a commitment under "commitment.": a statement, at most 100 local metrics, each
// with a name and, when linked, a valid dimension key.
void ValidateCommitment(const v1::Commitment& commitment, errors::Violations& violations);

// Same for a task resolution under "resolution.": a kind; a reason for REAFFIRMED and
// ESCALATED; at least one changed resource for REVISED, at most 100.
void ValidateResolution(const v1::Resolution& resolution, errors::Violations& violations);

}  // namespace throughline::alignment

#pragma once

#include "libs/errors/errors.h"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

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

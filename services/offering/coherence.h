#pragma once

#include <vector>

#include "absl/time/time.h"
#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::offering {

// The most accepted decisions one evaluation takes; an offering with more gets
// FAILED_PRECONDITION (TOO_MANY_DECISIONS) from whoever evaluates it.
inline constexpr int kMaxDecisionsEvaluated = 5'000;

// DESIGN.md §6: compares an offering and its decisions with the needs of a segment.
//
// - An ACCEPTED decision that WEAKENS a CRITICAL or HIGH need is an INCOHERENCE; its severity
//   comes from importance x strength (CRITICAL=3, HIGH=2; a product of 6 or more is HIGH, 3 or
//   more MEDIUM, else LOW). One that SUPPORTS such a need is a REINFORCEMENT (INFO).
// - A decision whose why is empty (MISSING_WHY) or says only how it is built, not which
//   customer value it serves (HOW_ONLY_WHY).
// - A HIDDEN knob on a dimension the segment rates CRITICAL (HIGH).
// - An offering designed for an older revision of the segment than `segment` (STALE_DESIGN),
//   naming both revisions.
// - A local metric of one of the offering's `commitments` (the functions' own, kept by the
//   alignment service) that links to no need of the segment: no dimension, or one the segment
//   does not name (UNLINKED_METRIC, LOW: optimizing it may pull away from the promise).
// The score starts at 100 and loses 25 per HIGH, 10 per MEDIUM and 4 per LOW finding, down to
// 0. Findings are ordered most severe first, then by resource and dimension, so the same
// inputs always give the same report.
v1::CoherenceReport EvaluateCoherence(const v1::Offering& offering,
                                      const std::vector<v1::Decision>& decisions,
                                      const segment::v1::Segment& segment,
                                      const std::vector<alignment::v1::Commitment>& commitments,
                                      absl::Time now);

// True when `why` explains customer value rather than only restating `how` (see coherence.cc
// for the heuristic). `dimensions` are the segment's need dimensions.
bool WhyStatesCustomerValue(const std::string& why, const std::string& how,
                            const std::vector<std::string>& dimensions);

}  // namespace throughline::offering

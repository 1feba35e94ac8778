#include "services/segment/segment_validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/api/dimension.h"
#include "libs/api/validation.h"

namespace throughline::segment {
namespace {

using api::CheckLength;
using api::CheckRequiredText;
using api::FieldPath;

}  // namespace

void ValidateMarket(const v1::Market& market, std::string_view prefix,
                    errors::Violations& violations) {
  CheckRequiredText(market.display_name(), api::kMaxDisplayName,
                    FieldPath(prefix, "display_name"), violations);
  if (market.decision() == v1::Market::DECISION_UNSPECIFIED ||
      !v1::Market::Decision_IsValid(market.decision())) {
    violations.Add(FieldPath(prefix, "decision"),
                   "decision is required: COMPETE, WATCH or EXIT");
  }
  CheckRequiredText(market.rationale(), api::kMaxLongText, FieldPath(prefix, "rationale"),
                    violations,
                    "rationale is required: say why the firm competes in, watches or exits "
                    "this market, so later decisions can be checked against it");
  if (market.evidence_notes_size() > kMaxListEntries) {
    violations.Add(FieldPath(prefix, "evidence_notes"),
                   absl::StrCat("at most ", kMaxListEntries, " evidence notes"));
  }
  for (int i = 0; i < api::EntriesToCheck(market.evidence_notes_size(), kMaxListEntries); ++i) {
    const std::string path = absl::StrCat(std::string(prefix), ".evidence_notes[", i, "]");
    if (market.evidence_notes(i).empty()) violations.Add(path, "an evidence note is empty");
    CheckLength(market.evidence_notes(i), api::kMaxNote, path, violations);
  }
}

void ValidateSegment(const v1::Segment& segment, std::string_view prefix,
                     errors::Violations& violations) {
  CheckRequiredText(segment.display_name(), api::kMaxDisplayName,
                    FieldPath(prefix, "display_name"), violations);
  CheckLength(segment.description(), api::kMaxLongText, FieldPath(prefix, "description"),
              violations);
  if (segment.targeting() == v1::Segment::TARGETING_UNSPECIFIED ||
      !v1::Segment::Targeting_IsValid(segment.targeting())) {
    violations.Add(FieldPath(prefix, "targeting"),
                   "targeting is required: TARGETED, CANDIDATE or DEPRIORITIZED");
  }
  if (segment.priority() < 0 || segment.priority() > kMaxPriority) {
    violations.Add(FieldPath(prefix, "priority"),
                   absl::StrCat("priority must be between 0 (unranked) and ", kMaxPriority));
  }
  if (segment.needs_size() > kMaxListEntries) {
    violations.Add(FieldPath(prefix, "needs"), absl::StrCat("at most ", kMaxListEntries, " needs"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < api::EntriesToCheck(segment.needs_size(), kMaxListEntries); ++i) {
    const auto& need = segment.needs(i);
    const std::string path = absl::StrCat(std::string(prefix), ".needs[", i, "]");
    if (!api::IsValidDimension(need.dimension())) {
      violations.Add(path + ".dimension",
                     absl::StrCat("dimension \"", need.dimension(), "\" ",
                                  api::kDimensionRule));
    } else if (!seen.insert(need.dimension()).second) {
      violations.Add(path + ".dimension",
                     absl::StrCat("dimension \"", need.dimension(),
                                  "\" appears twice; a segment states each need once"));
    }
    if (need.importance() == type::v1::IMPORTANCE_UNSPECIFIED ||
        !type::v1::Importance_IsValid(need.importance())) {
      violations.Add(path + ".importance",
                     "importance is required: CRITICAL, HIGH, MEDIUM or LOW");
    }
    CheckLength(need.note(), api::kMaxNote, path + ".note", violations);
  }
}

}  // namespace throughline::segment

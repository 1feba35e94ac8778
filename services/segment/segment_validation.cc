#include "services/segment/segment_validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace throughline::segment {
namespace {

std::string Path(std::string_view prefix, std::string_view field) {
  return std::string(prefix) + "." + std::string(field);
}

void CheckDisplayName(std::string_view value, std::string_view prefix,
                      errors::Violations& violations) {
  if (value.empty()) {
    violations.Add(Path(prefix, "display_name"), "display_name is required");
  } else if (value.size() > kMaxDisplayName) {
    violations.Add(Path(prefix, "display_name"),
                   absl::StrCat("display_name is longer than ", kMaxDisplayName, " bytes"));
  }
}

void CheckLength(std::string_view value, size_t limit, const std::string& path,
                 errors::Violations& violations) {
  if (value.size() > limit) {
    violations.Add(path, absl::StrCat("longer than ", limit, " bytes"));
  }
}

}  // namespace

bool IsValidDimension(std::string_view dimension) {
  if (dimension.empty() || dimension.size() > 63) return false;
  if (dimension[0] < 'a' || dimension[0] > 'z') return false;
  for (char c : dimension) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

void ValidateMarket(const v1::Market& market, std::string_view prefix,
                    errors::Violations& violations) {
  CheckDisplayName(market.display_name(), prefix, violations);
  if (market.decision() == v1::Market::DECISION_UNSPECIFIED ||
      !v1::Market::Decision_IsValid(market.decision())) {
    violations.Add(Path(prefix, "decision"),
                   "decision is required: COMPETE, WATCH or EXIT");
  }
  if (market.rationale().empty()) {
    violations.Add(Path(prefix, "rationale"),
                   "rationale is required: say why the firm competes in, watches or exits "
                   "this market, so later decisions can be checked against it");
  } else {
    CheckLength(market.rationale(), kMaxLongText, Path(prefix, "rationale"), violations);
  }
  if (market.evidence_notes_size() > kMaxListEntries) {
    violations.Add(Path(prefix, "evidence_notes"),
                   absl::StrCat("at most ", kMaxListEntries, " evidence notes"));
  }
  for (int i = 0; i < market.evidence_notes_size(); ++i) {
    const std::string path = absl::StrCat(std::string(prefix), ".evidence_notes[", i, "]");
    if (market.evidence_notes(i).empty()) violations.Add(path, "an evidence note is empty");
    CheckLength(market.evidence_notes(i), kMaxNote, path, violations);
  }
}

void ValidateSegment(const v1::Segment& segment, std::string_view prefix,
                     errors::Violations& violations) {
  CheckDisplayName(segment.display_name(), prefix, violations);
  CheckLength(segment.description(), kMaxLongText, Path(prefix, "description"), violations);
  if (segment.targeting() == v1::Segment::TARGETING_UNSPECIFIED ||
      !v1::Segment::Targeting_IsValid(segment.targeting())) {
    violations.Add(Path(prefix, "targeting"),
                   "targeting is required: TARGETED, CANDIDATE or DEPRIORITIZED");
  }
  if (segment.priority() < 0 || segment.priority() > kMaxPriority) {
    violations.Add(Path(prefix, "priority"),
                   absl::StrCat("priority must be between 0 (unranked) and ", kMaxPriority));
  }
  if (segment.needs_size() > kMaxListEntries) {
    violations.Add(Path(prefix, "needs"), absl::StrCat("at most ", kMaxListEntries, " needs"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < segment.needs_size(); ++i) {
    const auto& need = segment.needs(i);
    const std::string path = absl::StrCat(std::string(prefix), ".needs[", i, "]");
    if (!IsValidDimension(need.dimension())) {
      violations.Add(path + ".dimension",
                     absl::StrCat("dimension \"", need.dimension(),
                                  "\" must be 1-63 characters of a-z, 0-9 and _, starting "
                                  "with a letter, e.g. \"configurability\""));
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
    CheckLength(need.note(), kMaxNote, path + ".note", violations);
  }
}

}  // namespace throughline::segment

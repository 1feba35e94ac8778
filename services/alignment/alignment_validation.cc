#include "services/alignment/alignment_validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/api/dimension.h"
#include "libs/api/validation.h"

namespace throughline::alignment {
namespace {

constexpr int kMaxChangedResources = 100;

}  // namespace

void ValidateFunction(const v1::Function& function, errors::Violations& violations) {
  api::CheckLength(function.display_name(), api::kMaxDisplayName, "function.display_name",
                   violations);
  api::CheckLength(function.owner(), api::kMaxDisplayName, "function.owner", violations);
  api::CheckLength(function.escalation_owner(), api::kMaxDisplayName,
                   "function.escalation_owner", violations);
  // Each area at most once, so there can be no more areas than Area values.
  if (function.areas_size() > v1::Area_MAX) {
    violations.Add("function.areas", absl::StrCat("at most ", v1::Area_MAX, " areas, each once"));
  }
  std::set<int> seen;
  for (int i = 0; i < api::EntriesToCheck(function.areas_size(), v1::Area_MAX); ++i) {
    const std::string path = absl::StrCat("function.areas[", i, "]");
    if (function.areas(i) == v1::AREA_UNSPECIFIED || !v1::Area_IsValid(function.areas(i))) {
      violations.Add(path, "area must be one of the Area values, e.g. KNOBS_AND_CONFIGURABILITY");
    } else if (!seen.insert(function.areas(i)).second) {
      violations.Add(path, "area appears twice");
    }
  }
}

void ValidateCommitment(const v1::Commitment& commitment, errors::Violations& violations) {
  api::CheckRequiredText(commitment.statement(), api::kMaxLongText, "commitment.statement",
                         violations,
                         "statement is required: the function's own words for the customer "
                         "promise it delivers");
  if (commitment.local_metrics_size() > 100) {
    violations.Add("commitment.local_metrics", "at most 100 local metrics");
  }
  for (int i = 0; i < api::EntriesToCheck(commitment.local_metrics_size(), 100); ++i) {
    const auto& metric = commitment.local_metrics(i);
    const std::string path = absl::StrCat("commitment.local_metrics[", i, "]");
    api::CheckRequiredText(metric.name(), api::kMaxDisplayName, path + ".name", violations);
    if (!metric.dimension().empty() && !api::IsValidDimension(metric.dimension())) {
      violations.Add(path + ".dimension", absl::StrCat("dimension \"", metric.dimension(), "\" ",
                                                       api::kDimensionRule));
    }
    api::CheckLength(metric.note(), api::kMaxNote, path + ".note", violations);
  }
}

void ValidateResolution(const v1::Resolution& resolution, errors::Violations& violations) {
  switch (resolution.kind()) {
    case v1::Resolution::REAFFIRMED:
    case v1::Resolution::ESCALATED:
      api::CheckRequiredText(resolution.reason(), api::kMaxLongText, "resolution.reason",
                             violations,
                             "reason is required: say why the current design still keeps the "
                             "promise, or why it needs someone else");
      break;
    case v1::Resolution::REVISED:
      api::CheckLength(resolution.reason(), api::kMaxLongText, "resolution.reason", violations);
      if (resolution.changed_resources().empty()) {
        violations.Add("resolution.changed_resources",
                       "name at least one resource that was revised, e.g. a decision");
      }
      break;
    default:
      violations.Add("resolution.kind", "kind is required: REAFFIRMED, REVISED or ESCALATED");
  }
  if (resolution.changed_resources_size() > kMaxChangedResources) {
    violations.Add("resolution.changed_resources",
                   absl::StrCat("at most ", kMaxChangedResources, " changed resources"));
  }
  for (int i = 0;
       i < api::EntriesToCheck(resolution.changed_resources_size(), kMaxChangedResources); ++i) {
    if (resolution.changed_resources(i).empty()) {
      violations.Add(absl::StrCat("resolution.changed_resources[", i, "]"), "empty name");
    }
  }
}

}  // namespace throughline::alignment

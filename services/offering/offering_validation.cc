#include "services/offering/offering_validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/api/dimension.h"
#include "libs/api/resource_name.h"
#include "libs/api/validation.h"

namespace throughline::offering {
namespace {

using api::CheckLength;
using api::CheckRequiredText;
using api::FieldPath;

constexpr int kMaxGuarantees = 100;
constexpr int kMaxKnobs = 500;
constexpr int kMaxEffects = 100;
constexpr int kMaxAlternatives = 50;

std::string Indexed(std::string_view prefix, std::string_view field, int index) {
  return absl::StrCat(std::string(prefix), ".", std::string(field), "[", index, "]");
}

void CheckDimension(const std::string& dimension, const std::string& path, bool required,
                    errors::Violations& violations) {
  if (dimension.empty()) {
    if (required) violations.Add(path, "dimension is required");
    return;
  }
  if (!api::IsValidDimension(dimension)) {
    violations.Add(path, absl::StrCat("dimension \"", dimension, "\" ", api::kDimensionRule));
  }
}

void CheckKnobKey(const std::string& key, const std::string& path,
                  errors::Violations& violations) {
  bool valid = !key.empty() && key.size() <= 100 && key[0] >= 'a' && key[0] <= 'z';
  for (char c : key) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-');
  }
  if (!valid) {
    violations.Add(path, absl::StrCat("key \"", key,
                                      "\" must be 1-100 characters of a-z, 0-9, _, . and -, "
                                      "starting with a letter"));
  }
}

}  // namespace

void CheckTargetSegment(const std::string& target_segment, std::string_view organization,
                        const std::string& path, errors::Violations& violations) {
  if (target_segment.empty()) {
    violations.Add(path, "target_segment is required: an offering is designed for one segment");
  } else if (auto ids = api::ParseName(kSegmentPattern, target_segment, path); !ids.ok()) {
    violations.Add(path, absl::StrCat("expected \"", kSegmentPattern, "\", got ",
                                      errors::Quote(target_segment)));
  } else if ((*ids)[0] != organization) {
    violations.Add(path, "target_segment must be a segment of the offering's organization");
  }
}

void ValidateOffering(const v1::Offering& offering, std::string_view organization,
                      std::string_view prefix, errors::Violations& violations) {
  CheckRequiredText(offering.display_name(), api::kMaxDisplayName,
                    FieldPath(prefix, "display_name"), violations);
  CheckTargetSegment(offering.target_segment(), organization, FieldPath(prefix, "target_segment"),
                     violations);
  CheckRequiredText(offering.value_proposition(), api::kMaxLongText,
                    FieldPath(prefix, "value_proposition"), violations,
                    "value_proposition is required: it is the promise every function delivers");
  for (const char* field :
       {"rationale", "positioning", "pricing_model", "onboarding", "support_model",
        "sales_motion"}) {
    const auto* descriptor = offering.GetDescriptor()->FindFieldByName(field);
    CheckLength(offering.GetReflection()->GetString(offering, descriptor), api::kMaxLongText,
                FieldPath(prefix, field), violations);
  }

  if (offering.operational_guarantees_size() > kMaxGuarantees) {
    violations.Add(FieldPath(prefix, "operational_guarantees"),
                   absl::StrCat("at most ", kMaxGuarantees, " operational guarantees"));
  }
  std::set<std::string> guarantee_names;
  for (int i = 0; i < api::EntriesToCheck(offering.operational_guarantees_size(), kMaxGuarantees);
       ++i) {
    const auto& guarantee = offering.operational_guarantees(i);
    const std::string path = Indexed(prefix, "operational_guarantees", i);
    CheckRequiredText(guarantee.name(), api::kMaxDisplayName, path + ".name", violations);
    CheckRequiredText(guarantee.target(), api::kMaxDisplayName, path + ".target", violations);
    CheckLength(guarantee.note(), api::kMaxNote, path + ".note", violations);
    if (!guarantee.name().empty() && !guarantee_names.insert(guarantee.name()).second) {
      violations.Add(path + ".name",
                     absl::StrCat("guarantee \"", guarantee.name(), "\" appears twice"));
    }
  }

  if (offering.knobs_size() > kMaxKnobs) {
    violations.Add(FieldPath(prefix, "knobs"), absl::StrCat("at most ", kMaxKnobs, " knobs"));
  }
  std::set<std::string> knob_keys;
  for (int i = 0; i < api::EntriesToCheck(offering.knobs_size(), kMaxKnobs); ++i) {
    const auto& knob = offering.knobs(i);
    const std::string path = Indexed(prefix, "knobs", i);
    CheckKnobKey(knob.key(), path + ".key", violations);
    if (!knob.key().empty() && !knob_keys.insert(knob.key()).second) {
      violations.Add(path + ".key", absl::StrCat("knob \"", knob.key(), "\" appears twice"));
    }
    if (knob.exposure() == v1::Knob::EXPOSURE_UNSPECIFIED ||
        !v1::Knob::Exposure_IsValid(knob.exposure())) {
      violations.Add(path + ".exposure", "exposure is required: EXPOSED, ADVANCED or HIDDEN");
    }
    CheckLength(knob.default_value(), api::kMaxNote, path + ".default_value", violations);
    CheckLength(knob.note(), api::kMaxNote, path + ".note", violations);
    CheckDimension(knob.dimension(), path + ".dimension", /*required=*/false, violations);
  }
}

void ValidateDecision(const v1::Decision& decision, std::string_view offering_name,
                      std::string_view prefix, errors::Violations& violations) {
  CheckRequiredText(decision.title(), api::kMaxDisplayName, FieldPath(prefix, "title"),
                    violations);
  CheckRequiredText(decision.why(), api::kMaxLongText, FieldPath(prefix, "why"), violations,
                    kWhyRequired);
  CheckLength(decision.how(), api::kMaxLongText, FieldPath(prefix, "how"), violations);
  const std::string function_path = FieldPath(prefix, "owning_function");
  if (decision.owning_function().empty()) {
    violations.Add(function_path,
                   "owning_function is required: the function that answers for the decision, "
                   "e.g. \"engineering\"");
  } else if (auto valid = api::ValidateResourceId(decision.owning_function(), function_path);
             !valid.ok()) {
    violations.Add(function_path, absl::StrCat("\"", decision.owning_function(),
                                               "\" is not a function id such as \"engineering\""));
  }

  if (decision.effects_size() > kMaxEffects) {
    violations.Add(FieldPath(prefix, "effects"), absl::StrCat("at most ", kMaxEffects, " effects"));
  }
  std::set<std::string> dimensions;
  for (int i = 0; i < api::EntriesToCheck(decision.effects_size(), kMaxEffects); ++i) {
    const auto& effect = decision.effects(i);
    const std::string path = Indexed(prefix, "effects", i);
    CheckDimension(effect.dimension(), path + ".dimension", /*required=*/true, violations);
    if (!effect.dimension().empty() && !dimensions.insert(effect.dimension()).second) {
      violations.Add(path + ".dimension",
                     absl::StrCat("dimension \"", effect.dimension(),
                                  "\" appears twice; state one effect per dimension"));
    }
    if (effect.effect() == v1::Effect::DIRECTION_UNSPECIFIED ||
        !v1::Effect::Direction_IsValid(effect.effect())) {
      violations.Add(path + ".effect", "effect is required: SUPPORTS or WEAKENS");
    }
    if (effect.strength() < 1 || effect.strength() > 3) {
      violations.Add(path + ".strength", "strength must be 1 (slight), 2 or 3 (strong)");
    }
  }

  if (decision.alternatives_size() > kMaxAlternatives) {
    violations.Add(FieldPath(prefix, "alternatives"),
                   absl::StrCat("at most ", kMaxAlternatives, " alternatives"));
  }
  for (int i = 0; i < api::EntriesToCheck(decision.alternatives_size(), kMaxAlternatives); ++i) {
    const std::string path = Indexed(prefix, "alternatives", i);
    CheckRequiredText(decision.alternatives(i).description(), api::kMaxLongText,
                      path + ".description", violations);
    CheckLength(decision.alternatives(i).why_not(), api::kMaxLongText, path + ".why_not",
                violations);
  }

  if (decision.state() == v1::Decision::STATE_UNSPECIFIED ||
      !v1::Decision::State_IsValid(decision.state())) {
    violations.Add(FieldPath(prefix, "state"), "state must be PROPOSED, ACCEPTED or SUPERSEDED");
  }
  const std::string superseded_path = FieldPath(prefix, "superseded_by");
  if (decision.state() == v1::Decision::SUPERSEDED) {
    const std::string parent = absl::StrCat(std::string(offering_name), "/decisions/");
    if (decision.superseded_by().rfind(parent, 0) != 0 ||
        decision.superseded_by() == decision.name()) {
      violations.Add(superseded_path,
                     absl::StrCat("a SUPERSEDED decision names the decision that replaces it: "
                                  "another decision of ",
                                  std::string(offering_name)));
    }
  } else if (!decision.superseded_by().empty()) {
    violations.Add(superseded_path, "superseded_by is set only when state is SUPERSEDED");
  }
}

}  // namespace throughline::offering

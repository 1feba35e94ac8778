#include "services/offering/coherence.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"

namespace throughline::offering {
namespace {

using v1::Finding;
using type::v1::Importance;

// Words that show a why speaks of the customer and the value they get, not of the build.
constexpr const char* kValueWords[] = {
    "customer", "user",      "client",  "buyer",   "segment", "value",    "need",
    "expect",   "want",      "promise", "experience", "adopt", "trust",   "control",
    "reliab",   "simplic",   "simple",  "time to value", "cost", "price", "pain",
    "outcome",  "satisf",    "churn",   "retention", "onboard", "self-serve", "transparen"};

int ImportanceWeight(Importance importance) {
  switch (importance) {
    case type::v1::CRITICAL:
      return 3;
    case type::v1::HIGH:
      return 2;
    default:
      return 0;
  }
}

Finding::Severity SeverityOf(int weight, int strength) {
  const int product = weight * strength;
  if (product >= 6) return Finding::HIGH;
  if (product >= 3) return Finding::MEDIUM;
  return Finding::LOW;
}

int Penalty(Finding::Severity severity) {
  switch (severity) {
    case Finding::HIGH:
      return 25;
    case Finding::MEDIUM:
      return 10;
    case Finding::LOW:
      return 4;
    default:
      return 0;
  }
}

std::string Human(const std::string& dimension) {
  return absl::StrReplaceAll(dimension, {{"_", " "}});
}

std::string ImportanceName(Importance importance) {
  return type::v1::Importance_Name(importance);
}

Finding MakeFinding(Finding::Kind kind, Finding::Severity severity, std::string resource,
                    std::string dimension, std::string importance, std::string message) {
  Finding finding;
  finding.set_kind(kind);
  finding.set_severity(severity);
  finding.set_resource(std::move(resource));
  finding.set_dimension(std::move(dimension));
  finding.set_importance(std::move(importance));
  finding.set_message(std::move(message));
  return finding;
}

}  // namespace

bool WhyStatesCustomerValue(const std::string& why, const std::string& how,
                            const std::vector<std::string>& dimensions) {
  const std::string text = absl::AsciiStrToLower(why);
  if (!how.empty() && text == absl::AsciiStrToLower(how)) return false;
  for (const char* word : kValueWords) {
    if (text.find(word) != std::string::npos) return true;
  }
  for (const auto& dimension : dimensions) {
    if (text.find(Human(dimension)) != std::string::npos || text.find(dimension) != std::string::npos) {
      return true;
    }
  }
  return false;
}

v1::CoherenceReport EvaluateCoherence(const v1::Offering& offering,
                                      const std::vector<v1::Decision>& decisions,
                                      const segment::v1::Segment& segment,
                                      const std::vector<alignment::v1::Commitment>& commitments,
                                      absl::Time now) {
  std::map<std::string, Importance> needs;
  std::vector<std::string> dimensions;
  for (const auto& need : segment.needs()) {
    needs[need.dimension()] = need.importance();
    dimensions.push_back(need.dimension());
  }
  const std::string segment_label =
      absl::StrCat("\"", segment.display_name().empty() ? segment.name() : segment.display_name(),
                   "\"");

  std::vector<Finding> findings;
  for (const auto& decision : decisions) {
    if (decision.state() != v1::Decision::ACCEPTED) continue;
    const std::string title = absl::StrCat("\"", decision.title(), "\"");
    if (decision.why().empty()) {
      findings.push_back(MakeFinding(
          Finding::MISSING_WHY, Finding::MEDIUM, decision.name(), "", "",
          absl::StrCat("Decision ", title, " has no why: state which need of ", segment_label,
                       " it serves, so that it can be checked against the promise.")));
    } else if (!WhyStatesCustomerValue(decision.why(), decision.how(), dimensions)) {
      findings.push_back(MakeFinding(
          Finding::HOW_ONLY_WHY, Finding::LOW, decision.name(), "", "",
          absl::StrCat("The why of decision ", title,
                       " explains how it is built, not the customer value: say which need of ",
                       segment_label, " it serves.")));
    }
    for (const auto& effect : decision.effects()) {
      const auto need = needs.find(effect.dimension());
      if (need == needs.end()) continue;
      const int weight = ImportanceWeight(need->second);
      if (weight == 0) continue;
      const std::string importance = ImportanceName(need->second);
      if (effect.effect() == v1::Effect::WEAKENS) {
        findings.push_back(MakeFinding(
            Finding::INCOHERENCE, SeverityOf(weight, effect.strength()), decision.name(),
            effect.dimension(), importance,
            absl::StrCat("Decision ", title, " weakens ", Human(effect.dimension()), ", which ",
                         segment_label, " rates ", importance,
                         ": revisit it with the segment's why, or record why the promise still "
                         "holds.")));
      } else if (effect.effect() == v1::Effect::SUPPORTS) {
        findings.push_back(MakeFinding(
            Finding::REINFORCEMENT, Finding::INFO, decision.name(), effect.dimension(),
            importance,
            absl::StrCat("Decision ", title, " supports ", Human(effect.dimension()), ", which ",
                         segment_label, " rates ", importance, ".")));
      }
    }
  }

  for (const auto& knob : offering.knobs()) {
    const auto need = needs.find(knob.dimension());
    if (knob.exposure() != v1::Knob::HIDDEN || need == needs.end() ||
        need->second != type::v1::CRITICAL) {
      continue;
    }
    Finding finding = MakeFinding(
        Finding::HIDDEN_CRITICAL_KNOB, Finding::HIGH, offering.name(), knob.dimension(),
        "CRITICAL",
        absl::StrCat("Knob \"", knob.key(), "\" is hidden, but ", segment_label, " rates ",
                     Human(knob.dimension()),
                     " CRITICAL: expose it (at least as ADVANCED) or record why not."));
    finding.set_knob(knob.key());
    findings.push_back(std::move(finding));
  }

  if (offering.target_segment() == segment.name() &&
      offering.designed_for_revision() < segment.revision()) {
    findings.push_back(MakeFinding(
        Finding::STALE_DESIGN, Finding::MEDIUM, offering.name(), "", "",
        absl::StrCat("The offering was designed for revision ", offering.designed_for_revision(),
                     " of ", segment_label, ", which is now at revision ", segment.revision(),
                     ": review what changed and confirm or revise the design.")));
  }

  for (const auto& commitment : commitments) {
    const std::string function = api::IdOf(commitment.name());
    for (const auto& metric : commitment.local_metrics()) {
      if (!metric.dimension().empty() && needs.count(metric.dimension()) > 0) continue;
      const std::string measured =
          absl::StrCat("The ", function, " commitment measures \"", metric.name(), "\"");
      findings.push_back(MakeFinding(
          Finding::UNLINKED_METRIC, Finding::LOW, commitment.name(), metric.dimension(), "",
          metric.dimension().empty()
              ? absl::StrCat(measured, ", which links to no need of ", segment_label,
                             ": link it to the need it serves, or drop it, since optimizing it "
                             "may pull away from the promise.")
              : absl::StrCat(measured, " for ", Human(metric.dimension()), ", which ",
                             segment_label,
                             " does not name as a need: link it to one of their needs, or "
                             "drop it.")));
    }
  }

  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(-static_cast<int>(a.severity()), a.resource(), a.dimension(),
                           static_cast<int>(a.kind())) <
           std::make_tuple(-static_cast<int>(b.severity()), b.resource(), b.dimension(),
                           static_cast<int>(b.kind()));
  });

  v1::CoherenceReport report;
  report.set_offering(offering.name());
  report.set_segment(segment.name());
  report.set_segment_revision(segment.revision());
  int score = 100;
  for (auto& finding : findings) {
    score -= Penalty(finding.severity());
    *report.add_findings() = std::move(finding);
  }
  report.set_score(std::max(0, score));
  *report.mutable_evaluate_time() = api::ToTimestamp(now);
  return report;
}

}  // namespace throughline::offering

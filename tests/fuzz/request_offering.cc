// The offering service's RPCs (services/offering/offering_catalog.cc).
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "libs/api/changes.h"
#include "libs/api/field_mask.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/server/authorize.h"
#include "request_fuzzer.h"
#include "services/offering/offering_validation.h"
#include "throughline/offering/v1/offering_service.pb.h"

namespace throughline::fuzz {
namespace {

namespace v1 = offering::v1;
using auth::Access;
using server::AuthorizedFilterName;
using server::AuthorizedName;
using server::CallContext;

constexpr char kOrganizationPattern[] = "organizations/{organization}";
constexpr char kOfferingPattern[] = "organizations/{organization}/offerings/{offering}";
constexpr char kDecisionPattern[] =
    "organizations/{organization}/offerings/{offering}/decisions/{decision}";
const std::vector<std::string> kOfferingUpdatable = {
    "display_name", "target_segment", "value_proposition", "rationale",
    "positioning",  "pricing_model",  "onboarding",        "support_model",
    "sales_motion", "operational_guarantees", "knobs"};
const std::vector<std::string> kDecisionUpdatable = {
    "title", "why", "how", "owning_function", "effects", "alternatives", "state", "superseded_by"};
constexpr char kStoredOffering[] = "organizations/acme/offerings/managed-postgresql";

absl::BitGenRef Random() {
  thread_local absl::BitGen generator;
  return generator;
}

v1::Offering StoredOffering() {
  v1::Offering offering;
  offering.set_name(kStoredOffering);
  offering.set_display_name("Managed PostgreSQL");
  offering.set_target_segment("organizations/acme/markets/cloud-databases/segments/diy");
  offering.set_value_proposition("PostgreSQL you fully control");
  return offering;
}

v1::Decision StoredDecision() {
  v1::Decision decision;
  decision.set_name(absl::StrCat(kStoredOffering, "/decisions/hide-most-knobs"));
  decision.set_title("Hide most knobs to accelerate launch");
  decision.set_why("Fewer settings to validate, so we launch sooner");
  decision.set_owning_function("engineering");
  decision.set_state(v1::Decision::ACCEPTED);
  return decision;
}

absl::Status CreateOffering(const CallContext& call, const v1::CreateOfferingRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  auto offering_id = api::NewResourceId(request.offering_id(), "offering_id", Random());
  if (!offering_id.ok()) return offering_id.status();
  errors::Violations violations;
  if (!request.has_offering()) {
    violations.Add("offering", "offering is required");
  } else {
    offering::ValidateOffering(request.offering(), (*parent)[0], "offering", violations);
  }
  if (request.request_id().size() > 100) violations.Add("request_id", "too long");
  return violations.ToStatus();
}

absl::Status ListOfferings(const CallContext& call, const v1::ListOfferingsRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  if (auto size = api::ResolvePageSize(request.page_size()); !size.ok()) return size.status();
  auto filter = api::FilterValues(request.filter(), {"target_segment"});
  if (!filter.ok()) return filter.status();
  return CheckPage(0, request.page_token(), {request.parent(), request.filter()});
}

absl::Status UpdateOffering(const CallContext& call, const v1::UpdateOfferingRequest& request) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.offering().name(), "offering.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kOfferingUpdatable);
  if (!paths.ok()) return paths.status();
  errors::Violations violations;
  if (paths->contains("target_segment")) {
    offering::CheckTargetSegment(request.offering().target_segment(), (*ids)[0],
                                 "offering.target_segment", violations);
    if (!violations.empty()) return violations.ToStatus();
  }
  // ApplyOfferingChange, on the stored offering.
  const v1::Offering before = StoredOffering();
  v1::Offering after = before;
  api::ApplyUpdate(request.offering(), *paths, &after);
  offering::ValidateOffering(after, (*ids)[0], "offering", violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kOfferingUpdatable);
  return absl::OkStatus();
}

absl::Status RetargetOffering(const CallContext& call,
                              const v1::RetargetOfferingRequest& request) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  errors::Violations violations;
  offering::CheckTargetSegment(request.target_segment(), (*ids)[0], "target_segment",
                               violations);
  if (request.rationale().empty()) violations.Add("rationale", "rationale is required");
  if (request.request_id().size() > 100) violations.Add("request_id", "too long");
  if (!violations.empty()) return violations.ToStatus();
  // ApplyOfferingChange with the retarget's fields, on the stored offering.
  v1::Offering source;
  source.set_target_segment(request.target_segment());
  source.set_rationale(request.rationale());
  std::set<std::string> paths = {"target_segment", "designed_for_revision", "rationale"};
  if (!request.value_proposition().empty()) {
    source.set_value_proposition(request.value_proposition());
    paths.insert("value_proposition");
  }
  v1::Offering after = StoredOffering();
  api::ApplyUpdate(source, paths, &after);
  offering::ValidateOffering(after, (*ids)[0], "offering", violations);
  return violations.ToStatus();
}

absl::Status CreateDecision(const CallContext& call, const v1::CreateDecisionRequest& request) {
  auto parent =
      AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  auto decision_id = api::NewResourceId(request.decision_id(), "decision_id", Random());
  if (!decision_id.ok()) return decision_id.status();
  v1::Decision proposed = request.decision();
  api::ClearOutputOnly(proposed);
  proposed.set_name(absl::StrCat(request.parent(), "/decisions/", *decision_id));
  if (proposed.state() == v1::Decision::STATE_UNSPECIFIED) {
    proposed.set_state(v1::Decision::PROPOSED);
  }
  errors::Violations violations;
  if (!request.has_decision()) {
    violations.Add("decision", "decision is required");
  } else {
    offering::ValidateDecision(proposed, request.parent(), "decision", violations);
  }
  if (request.request_id().size() > 100) violations.Add("request_id", "too long");
  return violations.ToStatus();
}

absl::Status ListDecisions(const CallContext& call, const v1::ListDecisionsRequest& request) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kRead,
                               /*allow_wildcard=*/true);
  if (!parent.ok()) return parent.status();
  if (auto size = api::ResolvePageSize(request.page_size()); !size.ok()) return size.status();
  auto filter = api::FilterValues(request.filter(), {"state", "owning_function", "target_segment"});
  if (!filter.ok()) return filter.status();
  if (const std::string& state = (*filter)["state"]; !state.empty()) {
    v1::Decision::State parsed;
    if (!v1::Decision::State_Parse(state, &parsed) || parsed == v1::Decision::STATE_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("state \"", state, "\""));
    }
  }
  if (const std::string& segment = (*filter)["target_segment"]; !segment.empty()) {
    auto ids = AuthorizedFilterName(call, offering::kSegmentPattern, segment, {(*parent)[0]},
                                    request.parent(), "target_segment ");
    if (!ids.ok()) return ids.status();
  }
  return CheckPage(0, request.page_token(), {request.parent(), request.filter()});
}

absl::Status UpdateDecision(const CallContext& call, const v1::UpdateDecisionRequest& request) {
  auto ids = AuthorizedName(call, kDecisionPattern, request.decision().name(), "decision.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kDecisionUpdatable);
  if (!paths.ok()) return paths.status();
  const v1::Decision before = StoredDecision();
  v1::Decision after = before;
  api::ApplyUpdate(request.decision(), *paths, &after);
  errors::Violations violations;
  offering::ValidateDecision(after, kStoredOffering, "decision", violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kDecisionUpdatable);
  return absl::OkStatus();
}

template <typename Request>
std::function<absl::Status(const CallContext&, const Request&)> ByName(const char* pattern,
                                                                       Access access) {
  return [pattern, access](const CallContext& call, const Request& request) {
    return AuthorizedName(call, pattern, request.name(), "name", access).status();
  };
}

}  // namespace

std::vector<Rpc> OfferingRpcs() {
  return {
      MakeRpc<v1::CreateOfferingRequest>("CreateOffering", CreateOffering),
      MakeRpc<v1::GetOfferingRequest>(
          "GetOffering", ByName<v1::GetOfferingRequest>(kOfferingPattern, Access::kRead)),
      MakeRpc<v1::ListOfferingsRequest>("ListOfferings", ListOfferings),
      MakeRpc<v1::UpdateOfferingRequest>("UpdateOffering", UpdateOffering),
      MakeRpc<v1::DeleteOfferingRequest>(
          "DeleteOffering", ByName<v1::DeleteOfferingRequest>(kOfferingPattern, Access::kWrite)),
      MakeRpc<v1::RetargetOfferingRequest>("RetargetOffering", RetargetOffering),
      MakeRpc<v1::CreateDecisionRequest>("CreateDecision", CreateDecision),
      MakeRpc<v1::GetDecisionRequest>(
          "GetDecision", ByName<v1::GetDecisionRequest>(kDecisionPattern, Access::kRead)),
      MakeRpc<v1::ListDecisionsRequest>("ListDecisions", ListDecisions),
      MakeRpc<v1::UpdateDecisionRequest>("UpdateDecision", UpdateDecision),
      MakeRpc<v1::DeleteDecisionRequest>(
          "DeleteDecision", ByName<v1::DeleteDecisionRequest>(kDecisionPattern, Access::kWrite)),
      MakeRpc<v1::EvaluateCoherenceRequest>(
          "EvaluateCoherence",
          ByName<v1::EvaluateCoherenceRequest>(kOfferingPattern, Access::kRead)),
      MakeRpc<v1::WatchOfferingEventsRequest>(
          "WatchOfferingEvents",
          [](const CallContext& call, const v1::WatchOfferingEventsRequest& request) {
            return CheckWatch(call, request.parent(), request.after_cursor(), request.filter());
          }),
  };
}

}  // namespace throughline::fuzz

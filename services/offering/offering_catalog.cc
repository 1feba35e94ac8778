#include "services/offering/offering_catalog.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "libs/api/changes.h"
#include "libs/api/etag.h"
#include "libs/api/field_mask.h"
#include "libs/api/page_token.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/uuid.h"
#include "libs/auth/auth.h"
#include "libs/db/idempotency.h"
#include "libs/db/transaction.h"
#include "libs/eventlog/payloads.h"
#include "libs/server/authorize.h"
#include "services/offering/coherence.h"
#include "services/offering/offering_store.h"
#include "services/offering/offering_validation.h"
#include "throughline/offering/v1/events.pb.h"

namespace throughline::offering {
namespace {

using api::ClearOutputOnly;
using api::ToTimestamp;
using auth::Access;
using eventlog::ChangedPayload;
using eventlog::CreatedPayload;
using eventlog::DeletedPayload;
using server::AuthorizedFilterName;
using server::AuthorizedName;

const std::vector<std::string> kOfferingUpdatable = {
    "display_name",  "target_segment", "value_proposition", "rationale",
    "positioning",   "pricing_model",  "onboarding",        "support_model",
    "sales_motion",  "operational_guarantees", "knobs"};
const std::vector<std::string> kDecisionUpdatable = {
    "title", "why", "how", "owning_function", "effects", "alternatives", "state", "superseded_by"};

absl::BitGenRef Random() {
  thread_local absl::BitGen generator;
  return generator;
}

std::string OfferingName(const std::string& organization, const std::string& offering) {
  return absl::StrCat("organizations/", organization, "/offerings/", offering);
}

using api::IdOf;

}  // namespace

OfferingCatalog::OfferingCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                                 const eventlog::EventLog& events, const SegmentClient& segments,
                                 const CommitmentClient* commitments, Clock clock)
    : pool_(pool),
      list_reads_(list_reads),
      events_(events),
      segments_(segments),
      commitments_(commitments),
      clock_(std::move(clock)) {}

absl::StatusOr<bool> OfferingCatalog::FindReplay(const server::CallContext& call,
                                                 const db::IdempotencyKey& key,
                                                 const google::protobuf::Message& request,
                                                 google::protobuf::Message* response) {
  if (key.request_id.empty()) return false;
  bool found = false;
  absl::Status status = db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    auto stored = db::FindCompletedRequest(tx, key, db::RequestFingerprint(request));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return absl::OkStatus();
    if (!response->ParseFromString(**stored)) return absl::InternalError("corrupt stored response");
    found = true;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<segment::v1::Segment> OfferingCatalog::ReadTargetSegment(
    const server::CallContext& call, const std::string& name, const std::string& field) const {
  auto segment = segments_.GetSegment(name, call.deadline);
  if (segment.status().code() == absl::StatusCode::kNotFound) {
    return errors::InvalidField(field, absl::StrCat("segment \"", name, "\" does not exist"));
  }
  return segment;
}

// --------------------------------------------------------------------------------- offerings

absl::Status OfferingCatalog::CreateOffering(const server::CallContext& call,
                                             const v1::CreateOfferingRequest& request,
                                             v1::Offering* offering) {
  auto parent = AuthorizedName(call, "organizations/{organization}", request.parent(), "parent",
                               Access::kWrite);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  auto offering_id = api::NewResourceId(request.offering_id(), "offering_id", Random());
  if (!offering_id.ok()) return offering_id.status();
  errors::Violations violations;
  if (!request.has_offering()) {
    violations.Add("offering", "offering is required");
  } else {
    ValidateOffering(request.offering(), organization, "offering", violations);
  }
  if (request.request_id().size() > 100) {
    violations.Add("request_id", "request_id is longer than 100 characters");
  }
  if (!violations.empty()) return violations.ToStatus();
  const db::IdempotencyKey key{organization, "CreateOffering", request.request_id()};
  auto replayed = FindReplay(call, key, request, offering);
  if (!replayed.ok() || *replayed) return replayed.status();
  auto segment =
      ReadTargetSegment(call, request.offering().target_segment(), "offering.target_segment");
  if (!segment.ok()) return segment.status();

  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, offering, [&]() -> absl::Status {
      *offering = request.offering();
      ClearOutputOnly(*offering);
      const absl::Time now = clock_();
      offering->set_name(OfferingName(organization, *offering_id));
      offering->set_uid(api::NewUuid(Random()));
      offering->set_designed_for_revision(segment->revision());
      offering->set_revision(1);
      *offering->mutable_create_time() = ToTimestamp(now);
      *offering->mutable_update_time() = ToTimestamp(now);
      offering->set_etag(api::MakeEtag(offering->uid(), 1));
      if (!OfferingStore::InsertOffering(tx, organization, *offering_id, *offering)) {
        return errors::AlreadyExists("offering", offering->name());
      }
      events_.Append(tx, organization, kOfferingCreated, offering->name(), 1,
                     CreatedPayload<v1::OfferingEventData>(*offering), now, Random());
      return absl::OkStatus();
    });
  });
}

absl::Status OfferingCatalog::GetOffering(const server::CallContext& call,
                                          const v1::GetOfferingRequest& request,
                                          v1::Offering* offering) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  return db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    auto stored = OfferingStore::FindOffering(tx, (*ids)[0], (*ids)[1], /*for_update=*/false);
    if (!stored) return errors::NotFound("offering", request.name());
    *offering = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status OfferingCatalog::ListOfferings(const server::CallContext& call,
                                            const v1::ListOfferingsRequest& request,
                                            v1::ListOfferingsResponse* response) {
  auto parent = AuthorizedName(call, "organizations/{organization}", request.parent(), "parent",
                               Access::kRead);
  if (!parent.ok()) return parent.status();
  auto page = api::StartPage(request.page_size(), request.page_token(),
                             {request.parent(), request.filter()}, clock_());
  if (!page.ok()) return page.status();
  auto filter = api::FilterValues(request.filter(), {"target_segment"});
  if (!filter.ok()) return filter.status();
  const std::string target = (*filter)["target_segment"];
  if (!target.empty()) {
    auto segment_ids = AuthorizedFilterName(call, kSegmentPattern, target, *parent,
                                            request.parent(), "target_segment ");
    if (!segment_ids.ok()) return segment_ids.status();
  }
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) {
    response->Clear();
    auto rows =
        OfferingStore::ListOfferings(tx, (*parent)[0], target, page->last_key, page->limit());
    response->set_next_page_token(api::FinishPage(
        *page, std::move(rows), clock_(),
        [&](v1::Offering offering) { *response->add_offerings() = std::move(offering); }));
    return absl::OkStatus();
  });
}

absl::Status OfferingCatalog::ApplyOfferingChange(pqxx::work& tx, const std::string& organization,
                                                  const std::string& offering_id,
                                                  const v1::Offering& source,
                                                  const std::set<std::string>& paths,
                                                  const std::string& etag,
                                                  const segment::v1::Segment* target,
                                                  v1::Offering* offering) {
  const std::string name = OfferingName(organization, offering_id);
  auto stored = OfferingStore::FindOffering(tx, organization, offering_id, /*for_update=*/true);
  if (!stored) return errors::NotFound("offering", name);
  const v1::Offering& before = stored->resource;
  if (auto matches = api::CheckEtag(etag, before.etag(), name); !matches.ok()) return matches;
  v1::Offering after = before;
  api::ApplyUpdate(source, paths, &after);
  errors::Violations violations;
  ValidateOffering(after, organization, "offering", violations);
  if (!violations.empty()) return violations.ToStatus();
  const bool retargeted = after.target_segment() != before.target_segment();
  if (retargeted) {
    // The caller read no segment because the target looked unchanged; it moved since.
    if (target == nullptr) {
      return errors::WithErrorInfo(
          absl::AbortedError(absl::StrCat("the target segment of ", name,
                                          " changed concurrently; retry the update")),
          "CONTENTION");
    }
    after.set_designed_for_revision(target->revision());
  }
  std::vector<std::string> changed = api::ChangedPaths(
      before, after,
      [] {
        auto paths = kOfferingUpdatable;
        paths.push_back("designed_for_revision");
        return paths;
      }());
  if (changed.empty()) {
    *offering = before;
    return absl::OkStatus();
  }
  const absl::Time now = clock_();
  after.set_revision(before.revision() + 1);
  *after.mutable_update_time() = ToTimestamp(now);
  after.set_etag(api::MakeEtag(after.uid(), after.revision()));
  OfferingStore::UpdateOffering(tx, organization, offering_id, after);
  events_.Append(tx, organization, retargeted ? kOfferingRetargeted : kOfferingChanged,
                 after.name(), after.revision(),
                 ChangedPayload<v1::OfferingEventData>(before, after, std::move(changed)), now,
                 Random());
  *offering = std::move(after);
  return absl::OkStatus();
}

absl::Status OfferingCatalog::UpdateOffering(const server::CallContext& call,
                                             const v1::UpdateOfferingRequest& request,
                                             v1::Offering* offering) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.offering().name(), "offering.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kOfferingUpdatable);
  if (!paths.ok()) return paths.status();
  std::optional<segment::v1::Segment> target;
  if (paths->contains("target_segment")) {
    // Validate the name first, so a malformed or foreign name is a field error, not a remote
    // call.
    errors::Violations violations;
    CheckTargetSegment(request.offering().target_segment(), (*ids)[0], "offering.target_segment",
                       violations);
    if (!violations.empty()) return violations.ToStatus();
  }
  // A mask that names target_segment without changing it (`*`, say) needs no segment service.
  bool target_changes = false;
  if (paths->contains("target_segment")) {
    absl::Status read = db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
      auto stored = OfferingStore::FindOffering(tx, (*ids)[0], (*ids)[1], /*for_update=*/false);
      target_changes =
          !stored || stored->resource.target_segment() != request.offering().target_segment();
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
  }
  if (target_changes) {
    auto segment =
        ReadTargetSegment(call, request.offering().target_segment(), "offering.target_segment");
    if (!segment.ok()) return segment.status();
    target = *std::move(segment);
  }
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return ApplyOfferingChange(tx, (*ids)[0], (*ids)[1], request.offering(), *paths,
                               request.offering().etag(), target ? &*target : nullptr, offering);
  });
}

absl::Status OfferingCatalog::RetargetOffering(const server::CallContext& call,
                                               const v1::RetargetOfferingRequest& request,
                                               v1::Offering* offering) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  errors::Violations violations;
  CheckTargetSegment(request.target_segment(), (*ids)[0], "target_segment", violations);
  if (request.rationale().empty()) {
    violations.Add("rationale",
                   "rationale is required: every function reads it in its re-evaluation task, "
                   "so say why the offering now serves this segment");
  }
  if (request.request_id().size() > 100) {
    violations.Add("request_id", "request_id is longer than 100 characters");
  }
  if (!violations.empty()) return violations.ToStatus();
  const db::IdempotencyKey key{(*ids)[0], "RetargetOffering", request.request_id()};
  auto replayed = FindReplay(call, key, request, offering);
  if (!replayed.ok() || *replayed) return replayed.status();
  auto segment = ReadTargetSegment(call, request.target_segment(), "target_segment");
  if (!segment.ok()) return segment.status();

  // A retarget designs for the segment as it is now, also when it is the current target: that
  // is how a reviewed design is confirmed for a newer revision (and STALE_DESIGN goes away).
  v1::Offering source;
  source.set_target_segment(request.target_segment());
  source.set_designed_for_revision(segment->revision());
  source.set_rationale(request.rationale());
  std::set<std::string> paths = {"target_segment", "designed_for_revision", "rationale"};
  if (!request.value_proposition().empty()) {
    source.set_value_proposition(request.value_proposition());
    paths.insert("value_proposition");
  }
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, offering, [&] {
      return ApplyOfferingChange(tx, (*ids)[0], (*ids)[1], source, paths, request.etag(),
                                 &*segment, offering);
    });
  });
}

absl::Status OfferingCatalog::DeleteOffering(const server::CallContext& call,
                                             const v1::DeleteOfferingRequest& request) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  const std::string& organization = (*ids)[0];
  const std::string& offering_id = (*ids)[1];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = OfferingStore::FindOffering(tx, organization, offering_id, /*for_update=*/true);
    if (!stored) return errors::NotFound("offering", request.name());
    const v1::Offering& offering = stored->resource;
    if (auto etag = api::CheckEtag(request.etag(), offering.etag(), offering.name()); !etag.ok()) {
      return etag;
    }
    const absl::Time now = clock_();
    for (const auto& decision :
         OfferingStore::LockDecisionsOfOffering(tx, organization, offering_id)) {
      OfferingStore::DeleteDecision(tx, organization, offering_id, IdOf(decision.resource.name()));
      events_.Append(tx, organization, kDecisionDeleted, decision.resource.name(),
                     decision.version, DeletedPayload<v1::DecisionEventData>(decision.resource),
                     now, Random());
    }
    OfferingStore::DeleteOffering(tx, organization, offering_id);
    events_.Append(tx, organization, kOfferingDeleted, offering.name(), offering.revision(),
                   DeletedPayload<v1::OfferingEventData>(offering), now, Random());
    return absl::OkStatus();
  });
}

// --------------------------------------------------------------------------------- decisions

absl::Status OfferingCatalog::CreateDecision(const server::CallContext& call,
                                             const v1::CreateDecisionRequest& request,
                                             v1::Decision* decision) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  const std::string& offering_id = (*parent)[1];
  auto decision_id = api::NewResourceId(request.decision_id(), "decision_id", Random());
  if (!decision_id.ok()) return decision_id.status();
  v1::Decision proposed = request.decision();
  ClearOutputOnly(proposed);
  proposed.set_name(absl::StrCat(request.parent(), "/decisions/", *decision_id));
  if (proposed.state() == v1::Decision::STATE_UNSPECIFIED) proposed.set_state(v1::Decision::PROPOSED);
  errors::Violations violations;
  if (!request.has_decision()) {
    violations.Add("decision", "decision is required");
  } else {
    ValidateDecision(proposed, request.parent(), "decision", violations);
  }
  if (request.request_id().size() > 100) {
    violations.Add("request_id", "request_id is longer than 100 characters");
  }
  if (!violations.empty()) return violations.ToStatus();

  const db::IdempotencyKey key{organization, "CreateDecision", request.request_id()};
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, decision, [&]() -> absl::Status {
      if (!OfferingStore::FindOffering(tx, organization, offering_id, /*for_update=*/true)) {
        return errors::NotFound("offering", request.parent());
      }
      if (!proposed.superseded_by().empty() &&
          !OfferingStore::FindDecision(tx, organization, offering_id,
                                       IdOf(proposed.superseded_by()), /*for_update=*/false)) {
        return errors::InvalidField("decision.superseded_by",
                                    absl::StrCat("decision \"", proposed.superseded_by(),
                                                 "\" does not exist"));
      }
      *decision = proposed;
      const absl::Time now = clock_();
      decision->set_uid(api::NewUuid(Random()));
      *decision->mutable_create_time() = ToTimestamp(now);
      *decision->mutable_update_time() = ToTimestamp(now);
      decision->set_etag(api::MakeEtag(decision->uid(), 1));
      if (!OfferingStore::InsertDecision(tx, organization, offering_id, *decision_id, 1,
                                         *decision)) {
        return errors::AlreadyExists("decision", decision->name());
      }
      events_.Append(tx, organization, kDecisionCreated, decision->name(), 1,
                     CreatedPayload<v1::DecisionEventData>(*decision), now, Random());
      return absl::OkStatus();
    });
  });
}

absl::Status OfferingCatalog::GetDecision(const server::CallContext& call,
                                          const v1::GetDecisionRequest& request,
                                          v1::Decision* decision) {
  auto ids = AuthorizedName(call, kDecisionPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  return db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    auto stored = OfferingStore::FindDecision(tx, (*ids)[0], (*ids)[1], (*ids)[2],
                                              /*for_update=*/false);
    if (!stored) return errors::NotFound("decision", request.name());
    *decision = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status OfferingCatalog::ListDecisions(const server::CallContext& call,
                                            const v1::ListDecisionsRequest& request,
                                            v1::ListDecisionsResponse* response) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kRead,
                               /*allow_wildcard=*/true);
  if (!parent.ok()) return parent.status();
  auto page = api::StartPage(request.page_size(), request.page_token(),
                             {request.parent(), request.filter()}, clock_());
  if (!page.ok()) return page.status();
  auto filter = api::FilterValues(request.filter(), {"state", "owning_function", "target_segment"});
  if (!filter.ok()) return filter.status();
  const bool every_offering = (*parent)[1] == api::kWildcard;
  DecisionQuery query;
  query.organization = (*parent)[0];
  if (!every_offering) query.offering_id = (*parent)[1];
  query.state = (*filter)["state"];
  query.owning_function = (*filter)["owning_function"];
  query.target_segment = (*filter)["target_segment"];
  query.after_key = page->last_key;
  query.limit = page->limit();
  if (!query.state.empty()) {
    v1::Decision::State state;
    if (!v1::Decision::State_Parse(query.state, &state) ||
        state == v1::Decision::STATE_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("state \"", query.state,
                                                         "\" is not PROPOSED, ACCEPTED or "
                                                         "SUPERSEDED"));
    }
  }
  if (!query.target_segment.empty()) {
    auto segment_ids =
        AuthorizedFilterName(call, kSegmentPattern, query.target_segment, {query.organization},
                             request.parent(), "target_segment ");
    if (!segment_ids.ok()) return segment_ids.status();
  }
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    response->Clear();
    if (!every_offering &&
        !OfferingStore::FindOffering(tx, query.organization, query.offering_id, false)) {
      return errors::NotFound("offering", request.parent());
    }
    response->set_next_page_token(api::FinishPage(
        *page, OfferingStore::ListDecisions(tx, query), clock_(),
        [&](v1::Decision decision) { *response->add_decisions() = std::move(decision); }));
    return absl::OkStatus();
  });
}

absl::Status OfferingCatalog::UpdateDecision(const server::CallContext& call,
                                             const v1::UpdateDecisionRequest& request,
                                             v1::Decision* decision) {
  auto ids = AuthorizedName(call, kDecisionPattern, request.decision().name(), "decision.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kDecisionUpdatable);
  if (!paths.ok()) return paths.status();
  const std::string& organization = (*ids)[0];
  const std::string& offering_id = (*ids)[1];
  const std::string& decision_id = (*ids)[2];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = OfferingStore::FindDecision(tx, organization, offering_id, decision_id,
                                              /*for_update=*/true);
    if (!stored) return errors::NotFound("decision", request.decision().name());
    const v1::Decision& before = stored->resource;
    if (auto etag = api::CheckEtag(request.decision().etag(), before.etag(), before.name());
        !etag.ok()) {
      return etag;
    }
    v1::Decision after = before;
    api::ApplyUpdate(request.decision(), *paths, &after);
    errors::Violations violations;
    ValidateDecision(after, OfferingName(organization, offering_id), "decision", violations);
    if (!violations.empty()) return violations.ToStatus();
    if (!after.superseded_by().empty() && after.superseded_by() != before.superseded_by() &&
        !OfferingStore::FindDecision(tx, organization, offering_id, IdOf(after.superseded_by()),
                                     /*for_update=*/false)) {
      return errors::InvalidField("decision.superseded_by",
                                  absl::StrCat("decision \"", after.superseded_by(),
                                               "\" does not exist"));
    }
    std::vector<std::string> changed = api::ChangedPaths(before, after, kDecisionUpdatable);
    if (changed.empty()) {
      *decision = before;
      return absl::OkStatus();
    }
    const int64_t version = stored->version + 1;
    const absl::Time now = clock_();
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(api::MakeEtag(after.uid(), version));
    OfferingStore::UpdateDecision(tx, organization, offering_id, decision_id, version, after);
    events_.Append(tx, organization, kDecisionChanged, after.name(), version,
                   ChangedPayload<v1::DecisionEventData>(before, after, std::move(changed)), now,
                   Random());
    *decision = std::move(after);
    return absl::OkStatus();
  });
}

absl::Status OfferingCatalog::DeleteDecision(const server::CallContext& call,
                                             const v1::DeleteDecisionRequest& request) {
  auto ids = AuthorizedName(call, kDecisionPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = OfferingStore::FindDecision(tx, (*ids)[0], (*ids)[1], (*ids)[2],
                                              /*for_update=*/true);
    if (!stored) return errors::NotFound("decision", request.name());
    const v1::Decision& decision = stored->resource;
    if (auto etag = api::CheckEtag(request.etag(), decision.etag(), decision.name());
        !etag.ok()) {
      return etag;
    }
    OfferingStore::DeleteDecision(tx, (*ids)[0], (*ids)[1], (*ids)[2]);
    events_.Append(tx, (*ids)[0], kDecisionDeleted, decision.name(), stored->version,
                   DeletedPayload<v1::DecisionEventData>(decision), clock_(), Random());
    return absl::OkStatus();
  });
}

// --------------------------------------------------------------------------------- coherence

absl::Status OfferingCatalog::EvaluateCoherence(const server::CallContext& call,
                                                const v1::EvaluateCoherenceRequest& request,
                                                v1::CoherenceReport* report) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  v1::Offering offering;
  std::vector<v1::Decision> decisions;
  absl::Status read = db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    decisions.clear();
    auto stored = OfferingStore::FindOffering(tx, (*ids)[0], (*ids)[1], /*for_update=*/false);
    if (!stored) return errors::NotFound("offering", request.name());
    offering = std::move(stored->resource);
    DecisionQuery query;
    query.organization = (*ids)[0];
    query.offering_id = (*ids)[1];
    query.state = "ACCEPTED";
    query.limit = kMaxDecisionsEvaluated + 1;
    for (auto& row : OfferingStore::ListDecisions(tx, query)) {
      decisions.push_back(std::move(row.resource));
    }
    if (static_cast<int>(decisions.size()) > kMaxDecisionsEvaluated) {
      return errors::FailedPrecondition(
          "TOO_MANY_DECISIONS", request.name(),
          absl::StrCat("the offering has more than ", kMaxDecisionsEvaluated,
                       " accepted decisions; supersede old ones before evaluating"));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;

  segment::v1::Segment segment;
  if (request.has_proposed_segment()) {
    segment = request.proposed_segment();
  } else {
    auto current = segments_.GetSegment(offering.target_segment(), call.deadline);
    if (current.status().code() == absl::StatusCode::kNotFound) {
      return errors::FailedPrecondition(
          "TARGET_SEGMENT_MISSING", offering.name(),
          absl::StrCat("the target segment \"", offering.target_segment(),
                       "\" no longer exists; retarget the offering"));
    }
    if (!current.ok()) return current.status();
    segment = *std::move(current);
  }
  std::vector<alignment::v1::Commitment> commitments;
  if (commitments_ != nullptr) {
    auto listed = commitments_->ListCommitments(offering.name(), call.deadline);
    if (!listed.ok()) return listed.status();
    commitments = *std::move(listed);
  }
  *report = offering::EvaluateCoherence(offering, decisions, segment, commitments, clock_());
  return absl::OkStatus();
}

}  // namespace throughline::offering

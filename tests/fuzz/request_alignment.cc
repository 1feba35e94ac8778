// The alignment service's RPCs (services/alignment/alignment_catalog.cc). GetAlignmentStatus,
// ConfirmCommitment, CreateCommitment and PreviewSegmentChange then call the offering and
// segment services; their own checks end here.
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/api/changes.h"
#include "libs/api/field_mask.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/validation.h"
#include "libs/auth/auth.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/authorize.h"
#include "request_fuzzer.h"
#include "services/alignment/alignment_validation.h"
#include "services/segment/segment_validation.h"
#include "throughline/alignment/v1/alignment_service.pb.h"

namespace throughline::fuzz {
namespace {

namespace v1 = alignment::v1;
using alignment::kCommitmentPattern;
using alignment::kCommitmentUpdatable;
using alignment::kFunctionPattern;
using alignment::kFunctionUpdatable;
using alignment::kOfferingPattern;
using alignment::kOrganizationPattern;
using alignment::kSegmentPattern;
using alignment::kSegmentUpdatable;
using alignment::kTaskPattern;
using auth::Access;
using server::AuthorizedName;
using server::CallContext;

absl::Status CreateFunction(const CallContext& call, const v1::CreateFunctionRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kAdmin);
  if (!parent.ok()) return parent.status();
  if (request.function_id().empty()) return errors::InvalidField("function_id", "required");
  if (auto valid = api::ValidateResourceId(request.function_id(), "function_id"); !valid.ok()) {
    return valid;
  }
  errors::Violations violations;
  alignment::ValidateFunction(request.function(), violations);
  return violations.ToStatus();
}

absl::Status ListFunctions(const CallContext& call, const v1::ListFunctionsRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  return CheckPage(request.page_size(), request.page_token(), {request.parent()});
}

absl::Status UpdateFunction(const CallContext& call, const v1::UpdateFunctionRequest& request) {
  auto ids = AuthorizedName(call, kFunctionPattern, request.function().name(), "function.name",
                            Access::kAdmin);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kFunctionUpdatable);
  if (!paths.ok()) return paths.status();
  v1::Function before;
  before.set_name("organizations/acme/functions/engineering");
  before.add_areas(v1::KNOBS_AND_CONFIGURABILITY);
  v1::Function after = before;
  api::ApplyUpdate(request.function(), *paths, &after);
  errors::Violations violations;
  alignment::ValidateFunction(after, violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kFunctionUpdatable);
  return absl::OkStatus();
}

absl::Status CreateCommitment(const CallContext& call,
                              const v1::CreateCommitmentRequest& request) {
  auto parent =
      AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kOwnerAction);
  if (!parent.ok()) return parent.status();
  if (auto valid = api::ValidateResourceId(request.function_id(), "function_id"); !valid.ok()) {
    return valid;
  }
  errors::Violations violations;
  alignment::ValidateCommitment(request.commitment(), violations);
  return violations.ToStatus();
}

absl::Status ListCommitments(const CallContext& call, const v1::ListCommitmentsRequest& request) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  return CheckPage(request.page_size(), request.page_token(), {request.parent()});
}

absl::Status UpdateCommitment(const CallContext& call,
                              const v1::UpdateCommitmentRequest& request) {
  auto ids = AuthorizedName(call, kCommitmentPattern, request.commitment().name(),
                            "commitment.name", Access::kOwnerAction);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kCommitmentUpdatable);
  if (!paths.ok()) return paths.status();
  v1::Commitment before;
  before.set_name("organizations/acme/offerings/managed-postgresql/commitments/engineering");
  before.set_statement("Every knob a DIY user needs stays reachable");
  v1::Commitment after = before;
  api::ApplyUpdate(request.commitment(), *paths, &after);
  errors::Violations violations;
  alignment::ValidateCommitment(after, violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kCommitmentUpdatable);
  return absl::OkStatus();
}

absl::Status ListTasks(const CallContext& call, const v1::ListTasksRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  if (auto size = api::ResolvePageSize(request.page_size()); !size.ok()) return size.status();
  auto filter = api::FilterValues(request.filter(), {"owner", "function", "offering", "state"});
  if (!filter.ok()) return filter.status();
  // Names in the filter must be under the parent.
  for (const auto& [field, pattern] :
       {std::pair{"offering", kOfferingPattern}, std::pair{"function", kFunctionPattern}}) {
    const std::string& value = (*filter)[field];
    if (value.empty()) continue;
    auto ids = api::ParseName(pattern, value, "filter");
    if (!ids.ok()) return ids.status();
    if (auto allowed = auth::Authorize(call.principal, (*ids)[0], Access::kRead); !allowed.ok()) {
      return allowed;
    }
    if ((*ids)[0] != (*parent)[0]) return errors::InvalidField("filter", "not under parent");
  }
  if (const std::string& state = (*filter)["state"]; !state.empty()) {
    v1::Task::State parsed;
    if (!v1::Task::State_Parse(state, &parsed) || parsed == v1::Task::STATE_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("state \"", state, "\""));
    }
  }
  return CheckPage(0, request.page_token(), {request.parent(), request.filter()});
}

absl::Status ResolveTask(const CallContext& call, const v1::ResolveTaskRequest& request) {
  errors::Violations violations;
  if (!request.has_resolution()) {
    violations.Add("resolution", "resolution is required");
  } else {
    alignment::ValidateResolution(request.resolution(), violations);
    if (auto task_ids = api::ParseName(kTaskPattern, request.name(), "name"); task_ids.ok()) {
      const std::string own = absl::StrCat("organizations/", (*task_ids)[0], "/");
      const auto& changed = request.resolution().changed_resources();
      for (int i = 0; i < api::EntriesToCheck(changed.size(), 100); ++i) {
        if (!changed[i].empty() && changed[i].rfind(own, 0) != 0) {
          violations.Add(absl::StrCat("resolution.changed_resources[", i, "]"),
                         absl::StrCat("\"", changed[i], "\" is not a resource of ",
                                      own.substr(0, own.size() - 1)));
        }
      }
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  return AuthorizedName(call, kTaskPattern, request.name(), "name", Access::kOwnerAction)
      .status();
}

// AlignmentCatalog::CheckTaskWatch.
absl::Status WatchTasks(const CallContext& call, const v1::WatchTasksRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  if (request.owner().empty() == request.function().empty()) {
    return errors::InvalidField("owner", "set exactly one of owner and function");
  }
  if (!request.function().empty()) {
    auto ids = api::ParseName(kFunctionPattern, request.function(), "function");
    if (!ids.ok()) return ids.status();
    if ((*ids)[0] != (*parent)[0]) return errors::InvalidField("function", "other organization");
  }
  return eventlog::EventLog::ValidateCursor(request.after_cursor(), "after_cursor");
}

absl::Status PreviewSegmentChange(const CallContext& call,
                                  const v1::PreviewSegmentChangeRequest& request) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.segment().name(), "segment.name",
                            Access::kRead);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kSegmentUpdatable);
  if (!paths.ok()) return paths.status();
  if (request.segment().needs_size() > segment::kMaxListEntries) {
    return errors::InvalidField("segment.needs",
                                absl::StrCat("at most ", segment::kMaxListEntries, " needs"));
  }
  // Then, with the segment read from the segment service: the update applied to it and
  // validated by the segment service's rules.
  segment::v1::Segment before;
  before.set_name(request.segment().name());
  segment::v1::Segment after = before;
  api::ApplyUpdate(request.segment(), *paths, &after);
  errors::Violations violations;
  segment::ValidateSegment(after, "segment", violations);
  (void)api::ChangedPaths(before, after, kSegmentUpdatable);
  return violations.empty() ? absl::OkStatus() : violations.ToStatus();
}

template <typename Request>
std::function<absl::Status(const CallContext&, const Request&)> ByName(const char* pattern,
                                                                       Access access) {
  return [pattern, access](const CallContext& call, const Request& request) {
    return AuthorizedName(call, pattern, request.name(), "name", access).status();
  };
}

}  // namespace

std::vector<Rpc> AlignmentRpcs() {
  return {
      MakeRpc<v1::CreateFunctionRequest>("CreateFunction", CreateFunction),
      MakeRpc<v1::GetFunctionRequest>(
          "GetFunction", ByName<v1::GetFunctionRequest>(kFunctionPattern, Access::kRead)),
      MakeRpc<v1::ListFunctionsRequest>("ListFunctions", ListFunctions),
      MakeRpc<v1::UpdateFunctionRequest>("UpdateFunction", UpdateFunction),
      MakeRpc<v1::DeleteFunctionRequest>(
          "DeleteFunction", ByName<v1::DeleteFunctionRequest>(kFunctionPattern, Access::kAdmin)),
      MakeRpc<v1::CreateCommitmentRequest>("CreateCommitment", CreateCommitment),
      MakeRpc<v1::GetCommitmentRequest>(
          "GetCommitment", ByName<v1::GetCommitmentRequest>(kCommitmentPattern, Access::kRead)),
      MakeRpc<v1::ListCommitmentsRequest>("ListCommitments", ListCommitments),
      MakeRpc<v1::UpdateCommitmentRequest>("UpdateCommitment", UpdateCommitment),
      MakeRpc<v1::ConfirmCommitmentRequest>(
          "ConfirmCommitment",
          ByName<v1::ConfirmCommitmentRequest>(kCommitmentPattern, Access::kOwnerAction)),
      MakeRpc<v1::GetTaskRequest>("GetTask",
                                  ByName<v1::GetTaskRequest>(kTaskPattern, Access::kRead)),
      MakeRpc<v1::ListTasksRequest>("ListTasks", ListTasks),
      MakeRpc<v1::AcknowledgeTaskRequest>(
          "AcknowledgeTask",
          ByName<v1::AcknowledgeTaskRequest>(kTaskPattern, Access::kOwnerAction)),
      MakeRpc<v1::ResolveTaskRequest>("ResolveTask", ResolveTask),
      MakeRpc<v1::WatchTasksRequest>("WatchTasks", WatchTasks),
      MakeRpc<v1::GetAlignmentStatusRequest>(
          "GetAlignmentStatus",
          [](const CallContext& call, const v1::GetAlignmentStatusRequest& request) {
            return AuthorizedName(call, kOfferingPattern, request.offering(), "offering",
                                  Access::kRead)
                .status();
          }),
      MakeRpc<v1::PreviewSegmentChangeRequest>("PreviewSegmentChange", PreviewSegmentChange),
  };
}

}  // namespace throughline::fuzz

#include "services/alignment/alignment_catalog.h"

#include <map>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/api/changes.h"
#include "libs/api/dimension.h"
#include "libs/api/etag.h"
#include "libs/api/field_mask.h"
#include "libs/api/page_token.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/uuid.h"
#include "libs/api/validation.h"
#include "libs/auth/auth.h"
#include "libs/db/idempotency.h"
#include "libs/db/transaction.h"
#include "libs/server/authorize.h"
#include "services/alignment/alignment_store.h"
#include "services/alignment/alignment_validation.h"
#include "services/alignment/functions.h"
#include "services/alignment/task_log.h"
#include "services/offering/coherence.h"
#include "services/segment/segment_validation.h"
#include "throughline/alignment/v1/events.pb.h"

namespace throughline::alignment {
namespace {

using api::ClearOutputOnly;
using api::FieldPath;
using api::ToTimestamp;
using auth::Access;
using server::AuthorizedFilterName;
using server::AuthorizedName;

constexpr int kMaxFunctions = 10'000;

absl::BitGenRef Random() {
  thread_local absl::BitGen generator;
  return generator;
}

std::string Name(std::string_view pattern_prefix, const std::string& organization,
                 const std::string& id) {
  return absl::StrCat("organizations/", organization, "/", std::string(pattern_prefix), "/", id);
}

using api::IdOf;

// Owners act on their own tasks and commitments; editors and admins on any.
absl::Status CheckActsFor(const server::CallContext& call, const std::vector<std::string>& owners,
                          std::string_view what) {
  if (call.principal.role != auth::Role::kOwner) return absl::OkStatus();
  for (const auto& owner : owners) {
    if (!owner.empty() && owner == call.principal.id) return absl::OkStatus();
  }
  return errors::PermissionDenied(
      "NOT_THE_OWNER", absl::StrCat(call.principal.id, " does not own ", std::string(what),
                                    "; its owner or an editor can act on it"));
}

std::vector<v1::Function> ReadFunctions(pqxx::work& tx, const std::string& organization) {
  std::vector<v1::Function> functions;
  for (auto& stored : AlignmentStore::ListFunctions(tx, organization, 0, kMaxFunctions)) {
    functions.push_back(std::move(stored.resource));
  }
  return functions;
}

}  // namespace

AlignmentCatalog::AlignmentCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                                   const eventlog::EventLog& task_log, const SuiteClient& suite,
                                   const EventProcessor& processor, Clock clock)
    : pool_(pool),
      list_reads_(list_reads),
      task_log_(task_log),
      suite_(suite),
      processor_(processor),
      clock_(std::move(clock)) {}

// --------------------------------------------------------------------------------- functions

absl::Status AlignmentCatalog::CreateFunction(const server::CallContext& call,
                                              const v1::CreateFunctionRequest& request,
                                              v1::Function* function) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kAdmin);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  if (request.function_id().empty()) {
    return errors::InvalidField("function_id", "function_id is required, e.g. \"finance\"");
  }
  if (auto valid = api::ValidateResourceId(request.function_id(), "function_id"); !valid.ok()) {
    return valid;
  }
  errors::Violations violations;
  ValidateFunction(request.function(), violations);
  if (!violations.empty()) return violations.ToStatus();
  const db::IdempotencyKey key{organization, "CreateFunction", request.request_id()};
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, function, [&]() -> absl::Status {
      const absl::Time now = clock_();
      AlignmentStore::EnsureDefaultFunctions(tx, organization, now);
      *function = request.function();
      ClearOutputOnly(*function);
      function->set_name(Name("functions", organization, request.function_id()));
      function->set_uid(api::NewUuid(Random()));
      if (function->display_name().empty()) function->set_display_name(request.function_id());
      *function->mutable_create_time() = ToTimestamp(now);
      *function->mutable_update_time() = ToTimestamp(now);
      function->set_etag(api::MakeEtag(function->uid(), 1));
      if (!AlignmentStore::InsertFunction(tx, organization, request.function_id(), *function)) {
        return errors::AlreadyExists("function", function->name());
      }
      return absl::OkStatus();
    });
  });
}

absl::Status AlignmentCatalog::GetFunction(const server::CallContext& call,
                                           const v1::GetFunctionRequest& request,
                                           v1::Function* function) {
  auto ids = AuthorizedName(call, kFunctionPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    AlignmentStore::EnsureDefaultFunctions(tx, (*ids)[0], clock_());
    auto stored = AlignmentStore::FindFunction(tx, (*ids)[0], (*ids)[1], false);
    if (!stored) return errors::NotFound("function", request.name());
    *function = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::ListFunctions(const server::CallContext& call,
                                             const v1::ListFunctionsRequest& request,
                                             v1::ListFunctionsResponse* response) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  auto page =
      api::StartPage(request.page_size(), request.page_token(), {request.parent()}, clock_());
  if (!page.ok()) return page.status();
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    response->Clear();
    AlignmentStore::EnsureDefaultFunctions(tx, (*parent)[0], clock_());
    auto rows = AlignmentStore::ListFunctions(tx, (*parent)[0], page->last_key, page->limit());
    response->set_next_page_token(api::FinishPage(
        *page, std::move(rows), clock_(),
        [&](v1::Function function) { *response->add_functions() = std::move(function); }));
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::UpdateFunction(const server::CallContext& call,
                                              const v1::UpdateFunctionRequest& request,
                                              v1::Function* function) {
  auto ids = AuthorizedName(call, kFunctionPattern, request.function().name(), "function.name",
                            Access::kAdmin);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kFunctionUpdatable);
  if (!paths.ok()) return paths.status();
  const std::string& organization = (*ids)[0];
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    const absl::Time now = clock_();
    AlignmentStore::EnsureDefaultFunctions(tx, organization, now);
    auto stored = AlignmentStore::FindFunction(tx, organization, (*ids)[1], true);
    if (!stored) return errors::NotFound("function", request.function().name());
    const v1::Function& before = stored->resource;
    if (auto etag = api::CheckEtag(request.function().etag(), before.etag(), before.name());
        !etag.ok()) {
      return etag;
    }
    v1::Function after = before;
    api::ApplyUpdate(request.function(), *paths, &after);
    errors::Violations violations;
    ValidateFunction(after, violations);
    if (!violations.empty()) return violations.ToStatus();
    if (api::ChangedPaths(before, after, kFunctionUpdatable).empty()) {
      *function = before;
      return absl::OkStatus();
    }
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(api::MakeEtag(after.uid(), stored->version + 1));
    AlignmentStore::UpdateFunction(tx, organization, (*ids)[1], stored->version + 1, after);
    // Open tasks follow the function's owner.
    if (after.owner() != before.owner()) {
      for (auto& open : AlignmentStore::OpenTasks(tx, organization, "", (*ids)[1])) {
        v1::Task moved = open.resource;
        moved.set_owner(after.owner());
        *moved.mutable_update_time() = ToTimestamp(now);
        moved.set_etag(api::MakeEtag(moved.uid(), open.version + 1));
        AlignmentStore::UpdateTask(tx, organization, IdOf(moved.name()), open.version + 1, moved);
        PublishTask(task_log_, tx, organization, &open.resource, moved, open.version + 1, now);
      }
    }
    *function = std::move(after);
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::DeleteFunction(const server::CallContext& call,
                                              const v1::DeleteFunctionRequest& request) {
  auto ids = AuthorizedName(call, kFunctionPattern, request.name(), "name", Access::kAdmin);
  if (!ids.ok()) return ids.status();
  if (IsDefaultFunction((*ids)[1])) {
    return errors::FailedPrecondition(
        "DEFAULT_FUNCTION", request.name(),
        "product, engineering, operations, sales and support exist in every organization and "
        "cannot be deleted; change their owner instead");
  }
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = AlignmentStore::FindFunction(tx, (*ids)[0], (*ids)[1], true);
    if (!stored) return errors::NotFound("function", request.name());
    if (auto etag = api::CheckEtag(request.etag(), stored->resource.etag(), request.name());
        !etag.ok()) {
      return etag;
    }
    AlignmentStore::DeleteFunction(tx, (*ids)[0], (*ids)[1]);
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------------------- commitments

absl::Status AlignmentCatalog::CreateCommitment(const server::CallContext& call,
                                                const v1::CreateCommitmentRequest& request,
                                                v1::Commitment* commitment) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent",
                               Access::kOwnerAction);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  if (auto valid = api::ValidateResourceId(request.function_id(), "function_id"); !valid.ok()) {
    return valid;
  }
  errors::Violations violations;
  ValidateCommitment(request.commitment(), violations);
  if (!violations.empty()) return violations.ToStatus();
  if (auto offering = suite_.GetOffering(request.parent(), call.deadline); !offering.ok()) {
    return offering.status();
  }
  const db::IdempotencyKey key{organization, "CreateCommitment", request.request_id()};
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, commitment, [&]() -> absl::Status {
      const absl::Time now = clock_();
      AlignmentStore::EnsureDefaultFunctions(tx, organization, now);
      auto function = AlignmentStore::FindFunction(tx, organization, request.function_id(), false);
      if (!function) {
        return errors::InvalidField("function_id", absl::StrCat("function \"",
                                                                request.function_id(),
                                                                "\" does not exist"));
      }
      if (auto acts = CheckActsFor(call, {function->resource.owner()}, "this function");
          !acts.ok()) {
        return acts;
      }
      *commitment = request.commitment();
      ClearOutputOnly(*commitment);
      commitment->clear_acknowledged_revision();
      commitment->clear_acknowledged_segment();
      commitment->set_name(absl::StrCat(request.parent(), "/commitments/", request.function_id()));
      commitment->set_uid(api::NewUuid(Random()));
      *commitment->mutable_create_time() = ToTimestamp(now);
      *commitment->mutable_update_time() = ToTimestamp(now);
      commitment->set_etag(api::MakeEtag(commitment->uid(), 1));
      if (!AlignmentStore::InsertCommitment(tx, organization, request.parent(),
                                            request.function_id(), *commitment)) {
        return errors::AlreadyExists("commitment", commitment->name());
      }
      return absl::OkStatus();
    });
  });
}

absl::Status AlignmentCatalog::GetCommitment(const server::CallContext& call,
                                             const v1::GetCommitmentRequest& request,
                                             v1::Commitment* commitment) {
  auto ids = AuthorizedName(call, kCommitmentPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  const std::string offering = Name("offerings", (*ids)[0], (*ids)[1]);
  return db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    auto stored = AlignmentStore::FindCommitment(tx, (*ids)[0], offering, (*ids)[2], false);
    if (!stored) return errors::NotFound("commitment", request.name());
    *commitment = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::ListCommitments(const server::CallContext& call,
                                               const v1::ListCommitmentsRequest& request,
                                               v1::ListCommitmentsResponse* response) {
  auto parent = AuthorizedName(call, kOfferingPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  auto page =
      api::StartPage(request.page_size(), request.page_token(), {request.parent()}, clock_());
  if (!page.ok()) return page.status();
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) {
    response->Clear();
    auto rows = AlignmentStore::ListCommitments(tx, (*parent)[0], request.parent(), page->last_key,
                                                page->limit());
    response->set_next_page_token(api::FinishPage(
        *page, std::move(rows), clock_(),
        [&](v1::Commitment commitment) { *response->add_commitments() = std::move(commitment); }));
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::UpdateCommitment(const server::CallContext& call,
                                                const v1::UpdateCommitmentRequest& request,
                                                v1::Commitment* commitment) {
  auto ids = AuthorizedName(call, kCommitmentPattern, request.commitment().name(),
                            "commitment.name", Access::kOwnerAction);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kCommitmentUpdatable);
  if (!paths.ok()) return paths.status();
  const std::string offering = Name("offerings", (*ids)[0], (*ids)[1]);
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = AlignmentStore::FindCommitment(tx, (*ids)[0], offering, (*ids)[2], true);
    if (!stored) return errors::NotFound("commitment", request.commitment().name());
    auto function = AlignmentStore::FindFunction(tx, (*ids)[0], (*ids)[2], false);
    if (auto acts = CheckActsFor(call, {function ? function->resource.owner() : ""},
                                 "this commitment");
        !acts.ok()) {
      return acts;
    }
    const v1::Commitment& before = stored->resource;
    if (auto etag = api::CheckEtag(request.commitment().etag(), before.etag(), before.name());
        !etag.ok()) {
      return etag;
    }
    v1::Commitment after = before;
    api::ApplyUpdate(request.commitment(), *paths, &after);
    errors::Violations violations;
    ValidateCommitment(after, violations);
    if (!violations.empty()) return violations.ToStatus();
    if (api::ChangedPaths(before, after, kCommitmentUpdatable).empty()) {
      *commitment = before;
      return absl::OkStatus();
    }
    *after.mutable_update_time() = ToTimestamp(clock_());
    after.set_etag(api::MakeEtag(after.uid(), stored->version + 1));
    AlignmentStore::UpdateCommitment(tx, (*ids)[0], offering, (*ids)[2], stored->version + 1,
                                     after);
    *commitment = std::move(after);
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::ConfirmCommitment(const server::CallContext& call,
                                                 const v1::ConfirmCommitmentRequest& request,
                                                 v1::Commitment* commitment) {
  auto ids = AuthorizedName(call, kCommitmentPattern, request.name(), "name",
                            Access::kOwnerAction);
  if (!ids.ok()) return ids.status();
  const std::string offering_name = Name("offerings", (*ids)[0], (*ids)[1]);
  auto offering = suite_.GetOffering(offering_name, call.deadline);
  if (!offering.ok()) return offering.status();
  auto segment = suite_.GetSegment(offering->target_segment(), call.deadline);
  if (!segment.ok()) return segment.status();
  const db::IdempotencyKey key{(*ids)[0], "ConfirmCommitment", request.request_id()};
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, commitment, [&]() -> absl::Status {
      auto stored =
          AlignmentStore::FindCommitment(tx, (*ids)[0], offering_name, (*ids)[2], true);
      if (!stored) return errors::NotFound("commitment", request.name());
      auto function = AlignmentStore::FindFunction(tx, (*ids)[0], (*ids)[2], false);
      if (auto acts = CheckActsFor(call, {function ? function->resource.owner() : ""},
                                   "this commitment");
          !acts.ok()) {
        return acts;
      }
      if (auto etag = api::CheckEtag(request.etag(), stored->resource.etag(), request.name());
          !etag.ok()) {
        return etag;
      }
      *commitment = stored->resource;
      commitment->set_acknowledged_revision(segment->revision());
      commitment->set_acknowledged_segment(segment->name());
      *commitment->mutable_update_time() = ToTimestamp(clock_());
      commitment->set_etag(api::MakeEtag(commitment->uid(), stored->version + 1));
      AlignmentStore::UpdateCommitment(tx, (*ids)[0], offering_name, (*ids)[2],
                                       stored->version + 1, *commitment);
      return absl::OkStatus();
    });
  });
}

// ------------------------------------------------------------------------------------- tasks

absl::Status AlignmentCatalog::GetTask(const server::CallContext& call,
                                       const v1::GetTaskRequest& request, v1::Task* task) {
  auto ids = AuthorizedName(call, kTaskPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  return db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    auto stored = AlignmentStore::FindTask(tx, (*ids)[0], (*ids)[1], false);
    if (!stored) return errors::NotFound("task", request.name());
    *task = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::ListTasks(const server::CallContext& call,
                                         const v1::ListTasksRequest& request,
                                         v1::ListTasksResponse* response) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  auto page = api::StartPage(request.page_size(), request.page_token(),
                             {request.parent(), request.filter()}, clock_());
  if (!page.ok()) return page.status();
  auto filter = api::FilterValues(request.filter(), {"owner", "function", "offering", "state"});
  if (!filter.ok()) return filter.status();
  TaskQuery query;
  query.organization = (*parent)[0];
  query.owner = (*filter)["owner"];
  query.offering = (*filter)["offering"];
  query.state = (*filter)["state"];
  query.before_key = page->last_key;  // tasks are listed newest first
  query.limit = page->limit();
  // A name in the filter must be under the parent; another organization's is refused as such.
  auto filtered_name = [&](const std::string& value, std::string_view pattern) {
    return AuthorizedFilterName(call, pattern, value, *parent, request.parent(), "");
  };
  if (!query.offering.empty()) {
    if (auto offering_ids = filtered_name(query.offering, kOfferingPattern); !offering_ids.ok()) {
      return offering_ids.status();
    }
  }
  if (const std::string& function = (*filter)["function"]; !function.empty()) {
    auto function_ids = filtered_name(function, kFunctionPattern);
    if (!function_ids.ok()) return function_ids.status();
    query.function_id = (*function_ids)[1];
  }
  if (!query.state.empty()) {
    v1::Task::State state;
    if (!v1::Task::State_Parse(query.state, &state) || state == v1::Task::STATE_UNSPECIFIED) {
      return errors::InvalidField("filter",
                                  absl::StrCat("state \"", query.state,
                                               "\" is not OPEN, ACKNOWLEDGED, RESOLVED or "
                                               "SUPERSEDED"));
    }
  }
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) {
    response->Clear();
    response->set_next_page_token(
        api::FinishPage(*page, AlignmentStore::ListTasks(tx, query), clock_(),
                        [&](v1::Task task) { *response->add_tasks() = std::move(task); }));
    return absl::OkStatus();
  });
}

absl::Status AlignmentCatalog::ChangeTask(const server::CallContext& call,
                                          const std::string& name, const std::string& etag,
                                          const std::string& request_id,
                                          const google::protobuf::Message& request,
                                          const std::string& method,
                                          const std::function<absl::Status(v1::Task&)>& change,
                                          v1::Task* task) {
  auto ids = AuthorizedName(call, kTaskPattern, name, "name", Access::kOwnerAction);
  if (!ids.ok()) return ids.status();
  const std::string& organization = (*ids)[0];
  const db::IdempotencyKey key{organization, method, request_id};
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, task, [&]() -> absl::Status {
      auto stored = AlignmentStore::FindTask(tx, organization, (*ids)[1], true);
      if (!stored) return errors::NotFound("task", name);
      const v1::Task& before = stored->resource;
      if (auto acts = CheckActsFor(call, {before.owner(), before.escalated_to()}, "this task");
          !acts.ok()) {
        return acts;
      }
      if (auto matches = api::CheckEtag(etag, before.etag(), name); !matches.ok()) return matches;
      v1::Task after = before;
      if (absl::Status changed = change(after); !changed.ok()) return changed;
      const absl::Time now = clock_();
      *after.mutable_update_time() = ToTimestamp(now);
      after.set_etag(api::MakeEtag(after.uid(), stored->version + 1));
      AlignmentStore::UpdateTask(tx, organization, (*ids)[1], stored->version + 1, after);
      PublishTask(task_log_, tx, organization, &before, after, stored->version + 1, now);
      // A resolution that keeps or revises the design confirms the function's commitment for
      // the task's revision.
      if (after.state() == v1::Task::RESOLVED &&
          after.resolution().kind() != v1::Resolution::ESCALATED) {
        const std::string function_id = IdOf(after.function());
        if (auto commitment = AlignmentStore::FindCommitment(tx, organization, after.offering(),
                                                             function_id, true)) {
          v1::Commitment confirmed = commitment->resource;
          confirmed.set_acknowledged_revision(after.segment_revision());
          confirmed.set_acknowledged_segment(after.segment());
          *confirmed.mutable_update_time() = ToTimestamp(now);
          confirmed.set_etag(api::MakeEtag(confirmed.uid(), commitment->version + 1));
          AlignmentStore::UpdateCommitment(tx, organization, after.offering(), function_id,
                                           commitment->version + 1, confirmed);
        }
      }
      *task = std::move(after);
      return absl::OkStatus();
    });
  });
}

absl::Status AlignmentCatalog::AcknowledgeTask(const server::CallContext& call,
                                               const v1::AcknowledgeTaskRequest& request,
                                               v1::Task* task) {
  return ChangeTask(call, request.name(), request.etag(), request.request_id(), request,
                    "AcknowledgeTask",
                    [&](v1::Task& task) -> absl::Status {
                      if (task.state() == v1::Task::ACKNOWLEDGED) return absl::OkStatus();
                      if (task.state() != v1::Task::OPEN) {
                        return errors::FailedPrecondition(
                            "TASK_NOT_OPEN", task.name(),
                            absl::StrCat("only an OPEN task can be acknowledged; this one is ",
                                         v1::Task::State_Name(task.state())));
                      }
                      task.set_state(v1::Task::ACKNOWLEDGED);
                      return absl::OkStatus();
                    },
                    task);
}

absl::Status AlignmentCatalog::ResolveTask(const server::CallContext& call,
                                           const v1::ResolveTaskRequest& request,
                                           v1::Task* task) {
  errors::Violations violations;
  if (!request.has_resolution()) {
    violations.Add("resolution", "resolution is required");
  } else {
    ValidateResolution(request.resolution(), violations);
    // Revised resources are the task's organization's: another organization's names would be
    // stored in this one's task and shown to its readers.
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
  return ChangeTask(
      call, request.name(), request.etag(), request.request_id(), request, "ResolveTask",
      [&](v1::Task& task) -> absl::Status {
        if (task.state() != v1::Task::OPEN && task.state() != v1::Task::ACKNOWLEDGED) {
          return errors::FailedPrecondition(
              "TASK_NOT_OPEN", task.name(),
              absl::StrCat("only an OPEN or ACKNOWLEDGED task can be resolved; this one is ",
                           v1::Task::State_Name(task.state()),
                           task.state() == v1::Task::SUPERSEDED
                               ? absl::StrCat(": work on ", task.superseded_by(), " instead")
                               : ""));
        }
        task.set_state(v1::Task::RESOLVED);
        *task.mutable_resolution() = request.resolution();
        task.mutable_resolution()->set_resolved_by(call.principal.id);
        *task.mutable_resolution()->mutable_resolve_time() = ToTimestamp(clock_());
        return absl::OkStatus();
      },
      task);
}

absl::StatusOr<TaskWatch> AlignmentCatalog::CheckTaskWatch(const server::CallContext& call,
                                                           const v1::WatchTasksRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  TaskWatch watch;
  watch.organization = (*parent)[0];
  if (request.owner().empty() == request.function().empty()) {
    return errors::InvalidField("owner", "set exactly one of owner and function");
  }
  if (!request.function().empty()) {
    auto ids = api::ParseName(kFunctionPattern, request.function(), "function");
    if (!ids.ok()) return ids.status();
    if ((*ids)[0] != watch.organization) {
      return errors::InvalidField("function", "function is not in parent's organization");
    }
    watch.filter.audience = FunctionAudience((*ids)[1]);
  } else {
    watch.filter.audience = OwnerAudience(request.owner());
  }
  if (auto valid = eventlog::EventLog::ValidateCursor(request.after_cursor(), "after_cursor");
      !valid.ok()) {
    return valid;
  }
  watch.cursor = request.after_cursor();
  return watch;
}

absl::Status AlignmentCatalog::ReadTaskBacklog(const server::CallContext& call,
                                               const v1::WatchTasksRequest& request,
                                               TaskWatch& watch) {
  const std::string function_id =
      request.function().empty() ? "" : IdOf(request.function());
  // The cursor is taken before the backlog is read, so a task committed in between is sent
  // twice at worst, never missed.
  return db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    watch.backlog.clear();
    watch.cursor = eventlog::EventLog::CursorAtSnapshot(tx);
    for (auto& open : AlignmentStore::OpenTasks(tx, watch.organization, request.owner(),
                                                function_id)) {
      v1::WatchTasksResponse response;
      response.set_kind(v1::WatchTasksResponse::BACKLOG);
      *response.mutable_task() = std::move(open.resource);
      response.set_cursor(watch.cursor);
      watch.backlog.push_back(std::move(response));
    }
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------- status, preview

absl::Status AlignmentCatalog::GetAlignmentStatus(const server::CallContext& call,
                                                  const v1::GetAlignmentStatusRequest& request,
                                                  v1::AlignmentStatus* status) {
  auto ids = AuthorizedName(call, kOfferingPattern, request.offering(), "offering", Access::kRead);
  if (!ids.ok()) return ids.status();
  const std::string& organization = (*ids)[0];
  auto offering = suite_.GetOffering(request.offering(), call.deadline);
  if (!offering.ok()) return offering.status();
  auto segment = suite_.GetSegment(offering->target_segment(), call.deadline);
  if (!segment.ok()) return segment.status();

  std::vector<v1::Function> functions;
  std::map<std::string, v1::Task> latest;
  std::map<std::string, v1::Commitment> commitments;
  absl::Status read = db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    functions = AlignmentStore::AllFunctions(tx, organization, clock_());
    latest.clear();
    for (auto& task : AlignmentStore::LatestTasks(tx, organization, request.offering())) {
      latest[task.resource.function()] = std::move(task.resource);
    }
    commitments.clear();
    for (auto& commitment :
         AlignmentStore::ListCommitments(tx, organization, request.offering(), 0, kMaxFunctions)) {
      commitments[IdOf(commitment.resource.name())] = std::move(commitment.resource);
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;

  status->set_offering(request.offering());
  status->set_segment(segment->name());
  status->set_segment_revision(segment->revision());
  int aligned = 0;
  for (const auto& function : functions) {
    auto* entry = status->add_functions();
    entry->set_function(function.name());
    entry->set_owner(function.owner());
    if (function.owner().empty()) entry->add_reasons("the function has no owner");
    const auto task = latest.find(function.name());
    const auto commitment = commitments.find(IdOf(function.name()));
    if (task != latest.end() && task->second.segment() == segment->name()) {
      const v1::Task& current = task->second;
      entry->set_task(current.name());
      if (current.state() == v1::Task::RESOLVED &&
          current.resolution().kind() != v1::Resolution::ESCALATED) {
        entry->set_aligned(entry->reasons().empty());
      } else if (current.state() == v1::Task::RESOLVED) {
        entry->add_reasons(absl::StrCat("its task was escalated: ", current.resolution().reason()));
      } else {
        entry->add_reasons(absl::StrCat(
            "its re-evaluation task for revision ", current.segment_revision(), " of ",
            segment->display_name(), " is ", v1::Task::State_Name(current.state()),
            current.owner().empty() ? "" : absl::StrCat(" (owner ", current.owner(), ")"),
            current.escalated() ? ", overdue and escalated" : ""));
      }
    } else if (commitment != commitments.end() &&
               commitment->second.acknowledged_segment() == segment->name() &&
               commitment->second.acknowledged_revision() == segment->revision()) {
      entry->set_aligned(entry->reasons().empty());
    } else {
      entry->add_reasons(absl::StrCat("it has not confirmed its commitment for revision ",
                                      segment->revision(), " of ", segment->display_name()));
    }
    if (entry->aligned()) ++aligned;
  }
  status->set_aligned(aligned == status->functions_size());
  status->set_summary(
      status->aligned()
          ? absl::StrCat("Aligned: all ", aligned, " functions confirmed the promise for ",
                         segment->display_name(), " (revision ", segment->revision(), ")")
          : absl::StrCat("Not aligned: ", status->functions_size() - aligned, " of ",
                         status->functions_size(), " functions have not resolved their task for ",
                         segment->display_name(), " (revision ", segment->revision(), ")"));
  return absl::OkStatus();
}

absl::Status AlignmentCatalog::PreviewSegmentChange(
    const server::CallContext& call, const v1::PreviewSegmentChangeRequest& request,
    v1::PreviewSegmentChangeResponse* response) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.segment().name(), "segment.name",
                            Access::kRead);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kSegmentUpdatable);
  if (!paths.ok()) return paths.status();
  // Nothing is written, so the segment service never sees the proposal: it is validated here
  // with the segment service's own rules, so a change UpdateSegment would refuse gets the same
  // answer instead of a preview. The number of needs is bounded before the segment is read.
  if (request.segment().needs_size() > segment::kMaxListEntries) {
    return errors::InvalidField("segment.needs",
                                absl::StrCat("at most ", segment::kMaxListEntries, " needs"));
  }
  auto before = suite_.GetSegment(request.segment().name(), call.deadline);
  if (!before.ok()) return before.status();
  segment::v1::Segment after = *before;
  api::ApplyUpdate(request.segment(), *paths, &after);
  errors::Violations violations;
  segment::ValidateSegment(after, "segment", violations);
  if (!violations.empty()) return violations.ToStatus();
  const std::vector<std::string> changed = api::ChangedPaths(*before, after, kSegmentUpdatable);
  if (!changed.empty()) after.set_revision(before->revision() + 1);
  v1::Trigger trigger;
  trigger.set_event_type("preview");
  trigger.set_subject(after.name());
  trigger.set_revision(after.revision());
  auto plan =
      processor_.PlanSegmentChange((*ids)[0], *before, after, changed, trigger, call.deadline);
  if (!plan.ok()) return plan.status();
  if (!plan->has_value()) return absl::OkStatus();  // not a trigger: no tasks

  // Writes nothing: an organization whose functions were never listed gets the defaults.
  // The commitments of the offerings count in their scores (UNLINKED_METRIC findings).
  std::vector<v1::Function> functions;
  std::map<std::string, std::vector<v1::Commitment>> commitments;  // by offering
  absl::Status read = db::RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    functions = ReadFunctions(tx, (*ids)[0]);
    commitments.clear();
    for (const auto& affected : (*plan)->offerings) {
      auto& of_offering = commitments[affected.offering.name()];
      for (auto& commitment : AlignmentStore::ListCommitments(
               tx, (*ids)[0], affected.offering.name(), 0, kMaxFunctions)) {
        of_offering.push_back(std::move(commitment.resource));
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (functions.empty()) {
    for (const auto& defaults : DefaultFunctions()) {
      v1::Function function;
      function.set_name(Name("functions", (*ids)[0], defaults.id));
      function.set_display_name(defaults.display_name);
      for (auto area : defaults.areas) function.add_areas(area);
      functions.push_back(std::move(function));
    }
  }
  for (auto& task : processor_.Tasks(**plan, functions)) *response->add_tasks() = std::move(task);
  for (const auto& affected : (*plan)->offerings) {
    auto* previewed = response->add_offerings();
    previewed->set_offering(affected.offering.name());
    previewed->set_score_after(
        offering::EvaluateCoherence(affected.offering, affected.accepted_decisions,
                                    (*plan)->change.after, commitments[affected.offering.name()],
                                    clock_())
            .score());
    for (const auto& task : response->tasks()) {
      if (task.offering() != affected.offering.name()) continue;
      for (const auto& incoherent : task.incoherent_decisions()) {
        *previewed->add_incoherent_decisions() = incoherent;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace throughline::alignment

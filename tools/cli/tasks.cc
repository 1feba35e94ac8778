// throughline tasks list|get|ack|resolve: the re-evaluation tasks each function receives when
// its offering's target segment changes, and how their owners answer them.
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"
#include "tools/cli/value_syntax.h"

namespace throughline::cli {
namespace {

namespace aln = throughline::alignment::v1;
using Stub = aln::AlignmentService::Stub;

void SetTaskColumns(Session& session) {
  session.output().SetColumns(
      *aln::Task::descriptor(),
      {NameColumn(session), NameColumn(session, "OFFERING", "offering"),
       NameColumn(session, "FUNCTION", "function"), FieldColumn("OWNER", "owner"),
       FieldColumn("STATE", "state"), NameColumn(session, "SEGMENT", "segment"),
       FieldColumn("REVISION", "segment_revision"), FieldColumn("DUE", "due_time")});
}

struct ListArgs {
  std::string owner;
  std::string function;
  std::string offering;
  std::string state;
};

void AddList(CLI::App& tasks, Session& session) {
  auto* command = tasks.add_subcommand("list", "List tasks, newest first");
  auto flags = AddListFlags(command);
  auto args = std::make_shared<ListArgs>();
  command->add_option("--owner", args->owner, "Only tasks of this owner, e.g. erin@acme.example");
  command->add_option("--function", args->function, "Only tasks of this function, e.g. sales");
  command->add_option("--offering", args->offering, "Only tasks about this offering");
  command->add_option("--state", args->state, "Only tasks in this state, e.g. OPEN");
  OnRun(command, session, [&session, flags, args] {
    aln::ListTasksRequest request;
    request.set_parent(session.names().Organization());
    ListFlags list = *flags;
    AddFilterTerm(list.filter, "owner", args->owner);
    AddFilterTerm(list.filter, "function", session.names().Resolve(kFunctionName, args->function));
    AddFilterTerm(list.filter, "offering", session.names().Resolve(kOfferingName, args->offering));
    AddFilterTerm(list.filter, "state", args->state, /*bare=*/true);
    return session.List(session.alignment(), &Stub::ListTasks, request, list);
  });
}

void AddGet(CLI::App& tasks, Session& session) {
  auto* command = tasks.add_subcommand("get", "Show a task with everything its owner needs");
  auto args = AddNameArg(command, "The task, e.g. tasks/ID or ID");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kTaskName, *args, session.alignment(), &Stub::GetTask);
  });
}

void AddAcknowledge(CLI::App& tasks, Session& session) {
  auto* command = tasks.add_subcommand("ack", "Acknowledge a task: OPEN -> ACKNOWLEDGED");
  auto args = AddNameArg(command, "The task");
  AddEtagFlag(command, *args);
  AddRequestIdFlag(command, args->request_id);
  OnRun(command, session, [&session, args] {
    aln::AcknowledgeTaskRequest request;
    request.set_name(session.names().Resolve(kTaskName, args->name));
    request.set_etag(args->etag);
    request.set_request_id(args->request_id);
    return session.Call(session.alignment(), &Stub::AcknowledgeTask, request);
  });
}

struct ResolveArgs {
  NameArgs task;
  std::string kind;
  std::string reason;
  std::vector<std::string> changed;
};

// The request of `tasks resolve`; INVALID_ARGUMENT for an unknown --kind.
absl::StatusOr<aln::ResolveTaskRequest> ResolveRequest(const Names& names,
                                                       const ResolveArgs& args) {
  auto kind = ParseEnum(*aln::Resolution::Kind_descriptor(), args.kind);
  if (!kind.ok())
    return absl::InvalidArgumentError("--kind: " + std::string(kind.status().message()));
  aln::ResolveTaskRequest request;
  request.set_name(names.Resolve(kTaskName, args.task.name));
  request.set_etag(args.task.etag);
  request.set_request_id(args.task.request_id);
  request.mutable_resolution()->set_kind(static_cast<aln::Resolution::Kind>(*kind));
  request.mutable_resolution()->set_reason(args.reason);
  for (const std::string& changed : args.changed) {
    request.mutable_resolution()->add_changed_resources(names.Qualify(changed));
  }
  return request;
}

void AddResolve(CLI::App& tasks, Session& session) {
  auto* command =
      tasks.add_subcommand("resolve", "Answer a task: reaffirmed, revised or escalated");
  auto args = std::make_shared<ResolveArgs>();
  command->add_option("TASK", args->task.name, "The task")->required();
  command->add_option("--kind", args->kind, "REAFFIRMED, REVISED or ESCALATED")->required();
  command->add_option("--reason", args->reason, "Why; required for REAFFIRMED and ESCALATED");
  command->add_option("--changed", args->changed,
                      "The resources changed, for REVISED (one or more)");
  AddEtagFlag(command, args->task);
  AddRequestIdFlag(command, args->task.request_id);
  OnRun(command, session, [&session, args] {
    auto request = ResolveRequest(session.names(), *args);
    if (!request.ok()) return session.UsageError(request.status());
    return session.Call(session.alignment(), &Stub::ResolveTask, *request);
  });
}

}  // namespace

void AddTaskCommands(CLI::App& app, Session& session) {
  auto* tasks = app.add_subcommand("tasks", "Re-evaluation tasks of the functions");
  tasks->require_subcommand(1);
  SetTaskColumns(session);
  AddList(*tasks, session);
  AddGet(*tasks, session);
  AddAcknowledge(*tasks, session);
  AddResolve(*tasks, session);
}

}  // namespace throughline::cli

// throughline functions create|get|list|update|delete: the functions of the organization, who
// owns each, and which areas of an offering each answers for (imperative 4). Product,
// engineering, operations, sales and support exist in every organization.
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace aln = throughline::alignment::v1;
using Stub = aln::AlignmentService::Stub;

const std::vector<FieldFlag> kFunctionFlags = {
    {"--display-name", "display_name", "Human-readable name, e.g. Finance"},
    {"--owner", "owner", "Who owns the function's tasks, e.g. erin@acme.example"},
    {"--escalation-owner", "escalation_owner", "Who overdue tasks escalate to"},
    {"--area", "areas", "An offering area the function answers for"},
};
const std::vector<std::string> kUpdatable = {"display_name", "owner", "escalation_owner", "areas"};

void SetFunctionColumns(Session& session) {
  session.output().SetColumns(
      *aln::Function::descriptor(),
      {NameColumn(session), FieldColumn("DISPLAY NAME", "display_name"),
       FieldColumn("OWNER", "owner"), FieldColumn("ESCALATION OWNER", "escalation_owner"),
       FieldColumn("AREAS", "areas")});
}

void AddCreate(CLI::App& functions, Session& session) {
  auto* command = functions.add_subcommand("create", "Add a function beyond the five defaults");
  auto args = AddCreateArgs(command, *aln::Function::descriptor(), kFunctionFlags);
  command->get_option("--id")->required();
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Organization(), session.alignment(),
                     &Stub::CreateFunction);
  });
}

void AddGet(CLI::App& functions, Session& session) {
  auto* command = functions.add_subcommand("get", "Show a function");
  auto args = AddNameArg(command, "The function, e.g. engineering");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kFunctionName, *args, session.alignment(), &Stub::GetFunction);
  });
}

void AddList(CLI::App& functions, Session& session) {
  auto* command = functions.add_subcommand("list", "List the organization's functions");
  auto flags = AddListFlags(command, /*filter=*/false);
  OnRun(command, session, [&session, flags] {
    aln::ListFunctionsRequest request;
    request.set_parent(session.names().Organization());
    return session.List(session.alignment(), &Stub::ListFunctions, request, *flags);
  });
}

void AddUpdate(CLI::App& functions, Session& session) {
  auto* command = functions.add_subcommand("update", "Change the fields given of a function");
  auto args = AddUpdateArgs(command, *aln::Function::descriptor(), kFunctionFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kFunctionName, *args, kUpdatable, session.alignment(),
                     &Stub::UpdateFunction);
  });
}

void AddDelete(CLI::App& functions, Session& session) {
  auto* command = functions.add_subcommand("delete", "Delete an added function");
  auto args = AddNameArg(command, "The function");
  AddEtagFlag(command, *args);
  OnRun(command, session, [&session, args] {
    return RunDelete(session, kFunctionName, *args, session.alignment(), &Stub::DeleteFunction);
  });
}

}  // namespace

void AddFunctionCommands(CLI::App& app, Session& session) {
  auto* functions =
      app.add_subcommand("functions", "Functions, their owners and areas (imperative 4)");
  functions->require_subcommand(1);
  SetFunctionColumns(session);
  AddCreate(*functions, session);
  AddGet(*functions, session);
  AddList(*functions, session);
  AddUpdate(*functions, session);
  AddDelete(*functions, session);
}

}  // namespace throughline::cli

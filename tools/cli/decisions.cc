// throughline decisions create|get|list|update|delete: the design and execution decisions of
// an offering, each with its why and its effects on the needs of the target segment.
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace off = throughline::offering::v1;
using Stub = off::OfferingService::Stub;

const std::vector<FieldFlag> kDecisionFlags = {
    {"--title", "title", "Short title, e.g. \"Hide most knobs to accelerate launch\""},
    {"--why", "why", "The reason in customer-value terms (required on create)"},
    {"--how", "how", "The approach: how it will be built"},
    {"--owning-function", "owning_function", "The function that owns it, e.g. engineering"},
    {"--effect", "effects", "An effect on a need dimension"},
    {"--alternative", "alternatives", "An alternative considered and not chosen"},
    {"--state", "state", "Lifecycle state; only ACCEPTED decisions count in coherence"},
    {"--superseded-by", "superseded_by", "The decision that replaces this one", &kDecisionName},
};
const std::vector<std::string> kUpdatable = {"title",   "why",          "how",   "owning_function",
                                             "effects", "alternatives", "state", "superseded_by"};

void SetDecisionColumns(Session& session) {
  session.output().SetColumns(*off::Decision::descriptor(),
                              {NameColumn(session), FieldColumn("TITLE", "title"),
                               FieldColumn("FUNCTION", "owning_function"),
                               FieldColumn("STATE", "state"), FieldColumn("EFFECTS", "effects")});
}

void AddCreate(CLI::App& decisions, Session& session) {
  auto* command = decisions.add_subcommand("create", "Record a decision about an offering");
  auto args = AddCreateArgs(command, *off::Decision::descriptor(), kDecisionFlags);
  command->add_option("OFFERING", args->parent, "The offering, e.g. managed-postgresql")
      ->required();
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Resolve(kOfferingName, args->parent),
                     session.offerings(), &Stub::CreateDecision);
  });
}

void AddGet(CLI::App& decisions, Session& session) {
  auto* command = decisions.add_subcommand("get", "Show a decision");
  auto args = AddNameArg(command, "The decision, e.g. managed-postgresql/hide-most-knobs");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kDecisionName, *args, session.offerings(), &Stub::GetDecision);
  });
}

struct ListArgs {
  std::string offering;
  std::string state;
  std::string owning_function;
};

void AddList(CLI::App& decisions, Session& session) {
  auto* command = decisions.add_subcommand("list", "List the decisions of an offering");
  auto flags = AddListFlags(command);
  auto args = std::make_shared<ListArgs>();
  command->add_option("OFFERING", args->offering, "The offering")->required();
  command->add_option("--state", args->state, "Only decisions in this state");
  command->add_option("--owning-function", args->owning_function,
                      "Only decisions of this function, e.g. engineering");
  OnRun(command, session, [&session, flags, args] {
    off::ListDecisionsRequest request;
    request.set_parent(session.names().Resolve(kOfferingName, args->offering));
    ListFlags list = *flags;
    AddFilterTerm(list.filter, "state", args->state, /*bare=*/true);
    AddFilterTerm(list.filter, "owning_function", args->owning_function);
    return session.List(session.offerings(), &Stub::ListDecisions, request, list);
  });
}

void AddUpdate(CLI::App& decisions, Session& session) {
  auto* command = decisions.add_subcommand("update", "Change the fields given of a decision");
  auto args = AddUpdateArgs(command, *off::Decision::descriptor(), kDecisionFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kDecisionName, *args, kUpdatable, session.offerings(),
                     &Stub::UpdateDecision);
  });
}

void AddDelete(CLI::App& decisions, Session& session) {
  auto* command = decisions.add_subcommand("delete", "Delete a decision");
  auto args = AddNameArg(command, "The decision");
  AddEtagFlag(command, *args);
  OnRun(command, session, [&session, args] {
    return RunDelete(session, kDecisionName, *args, session.offerings(), &Stub::DeleteDecision);
  });
}

}  // namespace

void AddDecisionCommands(CLI::App& app, Session& session) {
  auto* decisions =
      app.add_subcommand("decisions", "Decisions about an offering, each with its why");
  decisions->require_subcommand(1);
  SetDecisionColumns(session);
  AddCreate(*decisions, session);
  AddGet(*decisions, session);
  AddList(*decisions, session);
  AddUpdate(*decisions, session);
  AddDelete(*decisions, session);
}

}  // namespace throughline::cli

// throughline commitments create|get|list|update|confirm: each function's own statement of the
// promise it delivers for an offering, and the segment revision it last confirmed.
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace aln = throughline::alignment::v1;
using Stub = aln::AlignmentService::Stub;

const std::vector<FieldFlag> kCommitmentFlags = {
    {"--statement", "statement", "The function's statement of the promise it delivers"},
    {"--metric", "local_metrics", "A metric the function is measured on; no dimension: unlinked"},
};
const std::vector<std::string> kUpdatable = {"statement", "local_metrics"};

void SetCommitmentColumns(Session& session) {
  session.output().SetColumns(*aln::Commitment::descriptor(),
                              {NameColumn(session), FieldColumn("STATEMENT", "statement"),
                               FieldColumn("ACKNOWLEDGED REVISION", "acknowledged_revision"),
                               NameColumn(session, "OF SEGMENT", "acknowledged_segment"),
                               FieldColumn("METRICS", "local_metrics")});
}

void AddCreate(CLI::App& commitments, Session& session) {
  auto* command =
      commitments.add_subcommand("create", "State the promise a function delivers for an offering");
  auto args = AddCreateArgs(command, *aln::Commitment::descriptor(), kCommitmentFlags);
  command->add_option("OFFERING", args->parent, "The offering, e.g. managed-postgresql")
      ->required();
  command->add_option("--function", args->id, "The function, e.g. engineering (same as --id)")
      ->excludes(command->get_option("--id"));
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Resolve(kOfferingName, args->parent),
                     session.alignment(), &Stub::CreateCommitment);
  });
}

void AddGet(CLI::App& commitments, Session& session) {
  auto* command = commitments.add_subcommand("get", "Show a commitment");
  auto args = AddNameArg(command, "The commitment, e.g. managed-postgresql/engineering");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kCommitmentName, *args, session.alignment(), &Stub::GetCommitment);
  });
}

void AddList(CLI::App& commitments, Session& session) {
  auto* command = commitments.add_subcommand("list", "List the commitments of an offering");
  auto flags = AddListFlags(command, /*filter=*/false);
  auto offering = std::make_shared<std::string>();
  command->add_option("OFFERING", *offering, "The offering")->required();
  OnRun(command, session, [&session, flags, offering] {
    aln::ListCommitmentsRequest request;
    request.set_parent(session.names().Resolve(kOfferingName, *offering));
    return session.List(session.alignment(), &Stub::ListCommitments, request, *flags);
  });
}

void AddUpdate(CLI::App& commitments, Session& session) {
  auto* command = commitments.add_subcommand("update", "Change the fields given of a commitment");
  auto args = AddUpdateArgs(command, *aln::Commitment::descriptor(), kCommitmentFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kCommitmentName, *args, kUpdatable, session.alignment(),
                     &Stub::UpdateCommitment);
  });
}

void AddConfirm(CLI::App& commitments, Session& session) {
  auto* command = commitments.add_subcommand(
      "confirm", "Confirm a commitment for the offering's current target-segment revision");
  auto args = AddNameArg(command, "The commitment");
  AddEtagFlag(command, *args);
  AddRequestIdFlag(command, args->request_id);
  OnRun(command, session, [&session, args] {
    aln::ConfirmCommitmentRequest request;
    request.set_name(session.names().Resolve(kCommitmentName, args->name));
    request.set_etag(args->etag);
    request.set_request_id(args->request_id);
    return session.Call(session.alignment(), &Stub::ConfirmCommitment, request);
  });
}

}  // namespace

void AddCommitmentCommands(CLI::App& app, Session& session) {
  auto* commitments = app.add_subcommand(
      "commitments", "Each function's statement of the promise it delivers for an offering");
  commitments->require_subcommand(1);
  SetCommitmentColumns(session);
  AddCreate(*commitments, session);
  AddGet(*commitments, session);
  AddList(*commitments, session);
  AddUpdate(*commitments, session);
  AddConfirm(*commitments, session);
}

}  // namespace throughline::cli

// throughline status OFFERING: are the functions aligned on the offering's current target
// segment revision, and who is not yet, with the reasons.
#include "absl/strings/str_join.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"
#include "tools/cli/table.h"

namespace throughline::cli {
namespace {

namespace aln = throughline::alignment::v1;

// The functions that are not aligned, each with its reasons.
void PrintReasons(const Session& session, const aln::AlignmentStatus& status, std::ostream& out) {
  if (status.aligned()) return;
  out << "\nWhy not:\n";
  for (const auto& function : status.functions()) {
    if (function.aligned()) continue;
    out << "  " << session.names().Relative(function.function()) << ": "
        << absl::StrJoin(function.reasons(), "; ") << "\n";
  }
}

void PrintStatus(const Session& session, const google::protobuf::Message& message,
                 std::ostream& out) {
  const auto& status = static_cast<const aln::AlignmentStatus&>(message);
  out << status.summary() << "\n\n";
  Table functions({"FUNCTION", "OWNER", "ALIGNED", "TASK"});
  for (const auto& function : status.functions()) {
    functions.AddRow({session.names().Relative(function.function()), function.owner(),
                      function.aligned() ? "yes" : "no",
                      session.names().Relative(function.task())});
  }
  functions.Print(out);
  PrintReasons(session, status, out);
}

}  // namespace

void AddStatusCommand(CLI::App& app, Session& session) {
  auto* command = app.add_subcommand(
      "status", "Whether every function is aligned on an offering's current target segment");
  auto args = AddNameArg(command, "The offering, e.g. managed-postgresql");
  session.output().SetView(
      *aln::AlignmentStatus::descriptor(),
      [&session](const auto& message, std::ostream& out) { PrintStatus(session, message, out); });
  OnRun(command, session, [&session, args] {
    aln::GetAlignmentStatusRequest request;
    request.set_offering(session.names().Resolve(kOfferingName, args->name));
    return session.Call(session.alignment(), &aln::AlignmentService::Stub::GetAlignmentStatus,
                        request);
  });
}

}  // namespace throughline::cli

// throughline coherence OFFERING: the offering's accepted decisions and knobs checked against
// the needs of its target segment, with a score and findings a person can act on.
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace off = throughline::offering::v1;

// "(configurability, CRITICAL)", or "" for a finding about no need.
std::string NeedOf(const off::Finding& finding) {
  if (finding.dimension().empty()) return "";
  std::string need = " (" + finding.dimension();
  if (!finding.importance().empty()) need += ", " + finding.importance();
  return need + ")";
}

void PrintReport(const Session& session, const google::protobuf::Message& message,
                 std::ostream& out) {
  const auto& report = static_cast<const off::CoherenceReport&>(message);
  out << session.names().Relative(report.offering()) << " against "
      << session.names().Relative(report.segment()) << " (revision " << report.segment_revision()
      << ")\n"
      << "Coherence score: " << report.score() << "/100\n";
  for (const auto& finding : report.findings()) {
    out << "\n[" << off::Finding::Severity_Name(finding.severity()) << " "
        << off::Finding::Kind_Name(finding.kind()) << "] "
        << session.names().Relative(finding.resource()) << NeedOf(finding) << "\n"
        << "    " << finding.message() << "\n";
  }
}

}  // namespace

void AddCoherenceCommand(CLI::App& app, Session& session) {
  auto* command = app.add_subcommand(
      "coherence", "Check an offering's decisions and knobs against its target segment's needs");
  auto args = AddNameArg(command, "The offering, e.g. managed-postgresql");
  session.output().SetView(
      *off::CoherenceReport::descriptor(),
      [&session](const auto& message, std::ostream& out) { PrintReport(session, message, out); });
  OnRun(command, session, [&session, args] {
    off::EvaluateCoherenceRequest request;
    request.set_name(session.names().Resolve(kOfferingName, args->name));
    return session.Call(session.offerings(), &off::OfferingService::Stub::EvaluateCoherence,
                        request);
  });
}

}  // namespace throughline::cli

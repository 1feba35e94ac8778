#include "tools/cli/app.h"

#include <algorithm>

#include "CLI/CLI.hpp"
#include "tools/cli/commands.h"
#include "tools/cli/exit_codes.h"
#include "tools/cli/json_input.h"
#include "tools/cli/session.h"

namespace throughline::cli {
namespace {

constexpr char kDescription[] =
    "throughline: the command-line client of Throughline, which keeps product strategy and "
    "execution on the same why.";

constexpr char kNamesHelp[] =
    "Names may be given in full (organizations/demo/markets/cloud-databases), relative to the\n"
    "organization (markets/cloud-databases) or as their ids (cloud-databases; a segment is\n"
    "MARKET/SEGMENT, a decision OFFERING/DECISION, a commitment OFFERING/FUNCTION).\n"
    "Create and update take the fields as flags, or anything in protobuf JSON with\n"
    "--json '{...}' or --json @FILE; an update changes exactly the fields given.\n"
    "Environment: THROUGHLINE_TOKEN, THROUGHLINE_ORG, THROUGHLINE_SEGMENT_ADDRESS,\n"
    "THROUGHLINE_OFFERING_ADDRESS, THROUGHLINE_ALIGNMENT_ADDRESS, THROUGHLINE_TIMEOUT,\n"
    "THROUGHLINE_TLS_CA, THROUGHLINE_TLS_CERT, THROUGHLINE_TLS_KEY.\n\n";

void AddCommands(CLI::App& app, Session& session) {
  AddMarketCommands(app, session);
  AddSegmentCommands(app, session);
  AddOfferingCommands(app, session);
  AddDecisionCommands(app, session);
  AddCoherenceCommand(app, session);
  AddFunctionCommands(app, session);
  AddCommitmentCommands(app, session);
  AddTaskCommands(app, session);
  AddStatusCommand(app, session);
  AddWatchCommands(app, session);
}

// Help exits 0; every other parse error is a usage error.
int ExitForParseError(CLI::App& app, const CLI::ParseError& error, std::ostream& out,
                      std::ostream& err) {
  return app.exit(error, out, err) == 0 ? kExitOk : kExitUsage;
}

}  // namespace

int RunCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Session session(out, err);
  CLI::App app(kDescription, "throughline");
  app.fallthrough();
  app.require_subcommand(1);
  session.AddGlobalOptions(app);
  AddCommands(app, session);
  app.footer(std::string(kNamesHelp) + ExitCodeHelp());  // after the subcommands: only here
  std::vector<std::string> reversed = SeparateJsonInput(args);
  std::reverse(reversed.begin(), reversed.end());  // CLI11 takes the arguments last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return ExitForParseError(app, error, out, err);
  }
  return session.Run();
}

}  // namespace throughline::cli

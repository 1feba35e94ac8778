// The command families of the throughline client, one per resource or area. Each adds its
// subcommands to the top-level command, and its tables and views to the session's output.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/cli/session.h"

namespace throughline::cli {

void AddMarketCommands(CLI::App& app, Session& session);      // markets.cc
void AddSegmentCommands(CLI::App& app, Session& session);     // segments.cc (+ preview)
void AddOfferingCommands(CLI::App& app, Session& session);    // offerings.cc (+ retarget)
void AddCoherenceCommand(CLI::App& app, Session& session);    // coherence.cc
void AddDecisionCommands(CLI::App& app, Session& session);    // decisions.cc
void AddFunctionCommands(CLI::App& app, Session& session);    // functions.cc
void AddCommitmentCommands(CLI::App& app, Session& session);  // commitments.cc
void AddTaskCommands(CLI::App& app, Session& session);        // tasks.cc
void AddStatusCommand(CLI::App& app, Session& session);       // status.cc
void AddWatchCommands(CLI::App& app, Session& session);       // watch.cc

}  // namespace throughline::cli

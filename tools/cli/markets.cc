// throughline markets create|get|list|update|delete: the markets the firm considered and what
// it decided about each (imperative 1).
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace seg = throughline::segment::v1;
using Stub = seg::SegmentService::Stub;

const std::vector<FieldFlag> kMarketFlags = {
    {"--display-name", "display_name", "Human-readable name, e.g. \"Cloud databases\""},
    {"--decision", "decision", "What the firm decided about the market"},
    {"--rationale", "rationale", "The why of the decision, in customer and business terms"},
    {"--evidence", "evidence_notes", "An evidence note: research, data points, links"},
};
const std::vector<std::string> kUpdatable = {"display_name", "decision", "rationale",
                                             "evidence_notes"};

void SetMarketColumns(Session& session) {
  session.output().SetColumns(
      *seg::Market::descriptor(),
      {NameColumn(session), FieldColumn("DISPLAY NAME", "display_name"),
       FieldColumn("DECISION", "decision"), FieldColumn("RATIONALE", "rationale"),
       FieldColumn("UPDATED", "update_time")});
}

void AddCreate(CLI::App& markets, Session& session) {
  auto* command = markets.add_subcommand("create", "Record a market and the decision about it");
  auto args = AddCreateArgs(command, *seg::Market::descriptor(), kMarketFlags);
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Organization(), session.segments(),
                     &Stub::CreateMarket);
  });
}

void AddGet(CLI::App& markets, Session& session) {
  auto* command = markets.add_subcommand("get", "Show a market");
  auto args = AddNameArg(command, "The market, e.g. cloud-databases");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kMarketName, *args, session.segments(), &Stub::GetMarket);
  });
}

void AddList(CLI::App& markets, Session& session) {
  auto* command = markets.add_subcommand("list", "List the organization's markets");
  auto flags = AddListFlags(command);
  auto decision = std::make_shared<std::string>();
  command->add_option("--decision", *decision, "Only markets with this decision");
  OnRun(command, session, [&session, flags, decision] {
    seg::ListMarketsRequest request;
    request.set_parent(session.names().Organization());
    ListFlags list = *flags;
    AddFilterTerm(list.filter, "decision", *decision, /*bare=*/true);
    return session.List(session.segments(), &Stub::ListMarkets, request, list);
  });
}

void AddUpdate(CLI::App& markets, Session& session) {
  auto* command = markets.add_subcommand("update", "Change the fields given of a market");
  auto args = AddUpdateArgs(command, *seg::Market::descriptor(), kMarketFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kMarketName, *args, kUpdatable, session.segments(),
                     &Stub::UpdateMarket);
  });
}

void AddDelete(CLI::App& markets, Session& session) {
  auto* command = markets.add_subcommand("delete", "Delete a market");
  auto args = AddNameArg(command, "The market");
  AddEtagFlag(command, *args);
  command->add_flag("--force", args->force, "Also delete the market's segments");
  OnRun(command, session, [&session, args] {
    return RunDelete(session, kMarketName, *args, session.segments(), &Stub::DeleteMarket);
  });
}

}  // namespace

void AddMarketCommands(CLI::App& app, Session& session) {
  auto* markets = app.add_subcommand("markets", "Markets the firm considered (imperative 1)");
  markets->require_subcommand(1);
  SetMarketColumns(session);
  AddCreate(*markets, session);
  AddGet(*markets, session);
  AddList(*markets, session);
  AddUpdate(*markets, session);
  AddDelete(*markets, session);
}

}  // namespace throughline::cli

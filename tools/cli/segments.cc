// throughline segments create|get|list|update|delete: the segments of a market and their
// needs (imperative 2); and `preview`, the tasks a segment change would create.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/describe.h"
#include "tools/cli/standard_methods.h"
#include "tools/cli/table.h"

namespace throughline::cli {
namespace {

namespace seg = throughline::segment::v1;
namespace aln = throughline::alignment::v1;
using Stub = seg::SegmentService::Stub;

const std::vector<FieldFlag> kSegmentFlags = {
    {"--display-name", "display_name", "Human-readable name, e.g. \"DIY power users\""},
    {"--description", "description", "Who the customers of this segment are"},
    {"--need", "needs", "A need of the segment"},
    {"--targeting", "targeting", "Whether the firm targets the segment"},
    {"--priority", "priority", "Rank among the market's segments, 1 is the most important"},
};
const std::vector<std::string> kUpdatable = {"display_name", "description", "needs", "targeting",
                                             "priority"};

// "configurability=CRITICAL, simplicity=LOW": the needs without their notes.
std::string NeedsText(const google::protobuf::Message& message) {
  std::vector<std::string> needs;
  for (const auto& need : static_cast<const seg::Segment&>(message).needs()) {
    needs.push_back(
        absl::StrCat(need.dimension(), "=", type::v1::Importance_Name(need.importance())));
  }
  return absl::StrJoin(needs, ", ");
}

void SetSegmentColumns(Session& session) {
  session.output().SetColumns(
      *seg::Segment::descriptor(),
      {NameColumn(session), FieldColumn("DISPLAY NAME", "display_name"),
       FieldColumn("TARGETING", "targeting"), FieldColumn("PRIORITY", "priority"),
       FieldColumn("REVISION", "revision"), Column{"NEEDS", NeedsText}});
}

void AddCreate(CLI::App& segments, Session& session) {
  auto* command = segments.add_subcommand("create", "Describe a segment of a market");
  auto args = AddCreateArgs(command, *seg::Segment::descriptor(), kSegmentFlags);
  command->add_option("MARKET", args->parent, "The market, e.g. cloud-databases")->required();
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Resolve(kMarketName, args->parent),
                     session.segments(), &Stub::CreateSegment);
  });
}

void AddGet(CLI::App& segments, Session& session) {
  auto* command = segments.add_subcommand("get", "Show a segment and its needs");
  auto args = AddNameArg(command, "The segment, e.g. cloud-databases/diy-power-users");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kSegmentName, *args, session.segments(), &Stub::GetSegment);
  });
}

void AddList(CLI::App& segments, Session& session) {
  auto* command = segments.add_subcommand("list", "List the segments of a market, or of all");
  auto flags = AddListFlags(command);
  auto market = std::make_shared<std::string>("-");
  auto targeting = std::make_shared<std::string>();
  command->add_option("MARKET", *market, "The market (default: every market)");
  command->add_option("--targeting", *targeting, "Only segments with this targeting");
  OnRun(command, session, [&session, flags, market, targeting] {
    seg::ListSegmentsRequest request;
    request.set_parent(session.names().Resolve(kMarketName, *market));
    ListFlags list = *flags;
    AddFilterTerm(list.filter, "targeting", *targeting, /*bare=*/true);
    return session.List(session.segments(), &Stub::ListSegments, request, list);
  });
}

void AddUpdate(CLI::App& segments, Session& session) {
  auto* command = segments.add_subcommand(
      "update", "Change the fields given of a segment (each change is a new revision)");
  auto args = AddUpdateArgs(command, *seg::Segment::descriptor(), kSegmentFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kSegmentName, *args, kUpdatable, session.segments(),
                     &Stub::UpdateSegment);
  });
}

void AddDelete(CLI::App& segments, Session& session) {
  auto* command = segments.add_subcommand("delete", "Delete a segment");
  auto args = AddNameArg(command, "The segment");
  AddEtagFlag(command, *args);
  OnRun(command, session, [&session, args] {
    return RunDelete(session, kSegmentName, *args, session.segments(), &Stub::DeleteSegment);
  });
}

// ------------------------------------------------------------------------------------ preview

void PrintPreview(const Session& session, const google::protobuf::Message& message,
                  std::ostream& out) {
  const auto& preview = static_cast<const aln::PreviewSegmentChangeResponse&>(message);
  if (preview.tasks().empty()) {
    out << "This change would create no re-evaluation tasks.\n";
    return;
  }
  out << "This change would create " << preview.tasks_size() << " re-evaluation tasks:\n";
  Table tasks({"OFFERING", "FUNCTION", "OWNER", "AREAS", "INCOHERENT DECISIONS"});
  for (const auto& task : preview.tasks()) {
    tasks.AddRow({session.names().Relative(task.offering()),
                  session.names().Relative(task.function()), task.owner(), FieldText(task, "areas"),
                  absl::StrCat(task.incoherent_decisions_size())});
  }
  tasks.Print(out);
  for (const auto& offering : preview.offerings()) {
    out << "\n"
        << session.names().Relative(offering.offering()) << ": coherence after the change "
        << offering.score_after() << "/100\n";
    for (const auto& decision : offering.incoherent_decisions()) {
      out << "  - " << decision.title() << ": " << decision.finding() << "\n";
    }
  }
}

void AddPreview(CLI::App& app, Session& session) {
  auto* command = app.add_subcommand(
      "preview", "Dry run of a segment change: the tasks and incoherences it would create");
  auto args = std::make_shared<UpdateArgs>();
  command->add_option("SEGMENT", args->name, "The segment as it would change")->required();
  args->input =
      std::make_unique<ResourceInput>(*command, *seg::Segment::descriptor(), kSegmentFlags);
  session.output().SetView(
      *aln::PreviewSegmentChangeResponse::descriptor(),
      [&session](const auto& message, std::ostream& out) { PrintPreview(session, message, out); });
  OnRun(command, session, [&session, args] {
    aln::PreviewSegmentChangeRequest request;
    if (auto built = BuildUpdateRequest(session.names(), kSegmentName, *args, kUpdatable, request);
        !built.ok()) {
      return session.UsageError(built);
    }
    return session.Call(session.alignment(), &aln::AlignmentService::Stub::PreviewSegmentChange,
                        request);
  });
}

}  // namespace

void AddSegmentCommands(CLI::App& app, Session& session) {
  auto* segments =
      app.add_subcommand("segments", "Segments of a market and their needs (imperative 2)");
  segments->require_subcommand(1);
  SetSegmentColumns(session);
  AddCreate(*segments, session);
  AddGet(*segments, session);
  AddList(*segments, session);
  AddUpdate(*segments, session);
  AddDelete(*segments, session);
  AddPreview(app, session);
}

}  // namespace throughline::cli

// throughline watch tasks|segments|offerings: follow a stream as it happens. Tasks arrive as
// they are created or change (WatchTasks), events as they commit; until Ctrl-C, or until
// --timeout passes when it is given. --after resumes after the cursor of an earlier watch.
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/offering/v1/events.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/events.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/describe.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace aln = throughline::alignment::v1;
namespace off = throughline::offering::v1;
namespace seg = throughline::segment::v1;
using io::cloudevents::v1::CloudEvent;

template <typename Stub, typename Request, typename Response>
using StreamMethod = std::unique_ptr<grpc::ClientReader<Response>> (Stub::*)(grpc::ClientContext*,
                                                                             const Request&);

// How a watch ended, for the person and the exit code: Ctrl-C and an explicit --timeout are
// normal ends; anything else is the stream's error.
int EndOfWatch(Session& session, const grpc::Status& status, bool interrupted,
               const std::string& cursor) {
  const bool timed_out = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
                         session.connection().timeout_seconds > 0;
  if (!status.ok() && !interrupted && !timed_out) return session.Fail(status);
  if (!cursor.empty()) session.output().Note("resume with --after " + cursor);
  return kExitOk;
}

template <typename Stub, typename Request, typename Response>
int Watch(Session& session, Stub& stub, StreamMethod<Stub, Request, Response> method,
          const Request& request) {
  if (grpc::Status ready = RequireToken(session.connection()); !ready.ok()) {
    return session.Fail(ready);
  }
  auto context = session.NewContext(/*stream=*/true);
  CancelOnInterrupt interrupt(*context);
  auto reader = (stub.*method)(context.get(), request);
  Response response;
  std::string cursor;
  while (reader->Read(&response)) {
    session.output().PrintStreamItem(response);
    cursor = response.cursor();
  }
  return EndOfWatch(session, reader->Finish(), interrupt.interrupted(), cursor);
}

// ---------------------------------------------------------------------------------- tasks

void PrintTask(const Session& session, const google::protobuf::Message& message,
               std::ostream& out) {
  const auto& response = static_cast<const aln::WatchTasksResponse&>(message);
  const aln::Task& task = response.task();
  const Names& names = session.names();
  out << aln::WatchTasksResponse::Kind_Name(response.kind()) << "  " << names.Relative(task.name())
      << "  " << names.Relative(task.function()) << " (" << task.owner() << ")  "
      << aln::Task::State_Name(task.state()) << "\n"
      << "  " << names.Relative(task.offering()) << " targets " << names.Relative(task.segment())
      << " revision " << task.segment_revision() << ": " << task.value_proposition() << "\n";
  if (!task.areas().empty()) out << "  revisit: " << FieldText(task, "areas") << "\n";
  for (const auto& decision : task.incoherent_decisions()) {
    out << "  incoherent: " << decision.title() << ": " << decision.finding() << "\n";
  }
}

struct TaskWatchArgs {
  std::string owner;
  std::string function;
  std::string after;
};

void AddWatchTasks(CLI::App& watch, Session& session) {
  auto* command = watch.add_subcommand(
      "tasks", "Print an owner's or a function's open tasks, then each new task or change");
  auto args = std::make_shared<TaskWatchArgs>();
  auto* whose = command->add_option_group("whose", "Whose tasks");
  whose->add_option("--owner", args->owner, "Tasks of this owner, e.g. erin@acme.example");
  whose->add_option("--function", args->function, "Tasks of this function, e.g. engineering");
  whose->require_option(1);
  command->add_option("--after", args->after, "Resume after this cursor (no backlog then)");
  session.output().SetView(
      *aln::WatchTasksResponse::descriptor(),
      [&session](const auto& message, std::ostream& out) { PrintTask(session, message, out); });
  OnRun(command, session, [&session, args] {
    aln::WatchTasksRequest request;
    request.set_parent(session.names().Organization());
    request.set_owner(args->owner);
    request.set_function(session.names().Resolve(kFunctionName, args->function));
    request.set_after_cursor(args->after);
    return Watch(session, session.alignment(), &aln::AlignmentService::Stub::WatchTasks, request);
  });
}

// --------------------------------------------------------------------------------- events

// The event payload types of the segment and offering logs.
const google::protobuf::Message* const kPayloads[] = {
    &seg::MarketEventData::default_instance(), &seg::SegmentEventData::default_instance(),
    &off::OfferingEventData::default_instance(), &off::DecisionEventData::default_instance()};

// The changed_paths of an event's payload, when it is one of kPayloads.
std::vector<std::string> ChangedPaths(const CloudEvent& event) {
  const std::string& url = event.proto_data().type_url();
  const std::string type = url.substr(url.rfind('/') + 1);
  for (const auto* prototype : kPayloads) {
    if (prototype->GetDescriptor()->full_name() != type) continue;
    std::unique_ptr<google::protobuf::Message> payload(prototype->New());
    if (!event.proto_data().UnpackTo(payload.get())) return {};
    const auto* field = payload->GetDescriptor()->FindFieldByName("changed_paths");
    const auto& reflection = *payload->GetReflection();
    std::vector<std::string> paths;
    for (int i = 0; i < reflection.FieldSize(*payload, field); ++i) {
      paths.push_back(reflection.GetRepeatedString(*payload, field, i));
    }
    return paths;
  }
  return {};
}

std::string Attribute(const CloudEvent& event, const std::string& key) {
  auto it = event.attributes().find(key);
  if (it == event.attributes().end()) return "";
  const auto& value = it->second;
  if (value.has_ce_timestamp()) return TimestampText(value.ce_timestamp());
  if (value.attr_case() == CloudEvent::CloudEventAttributeValue::kCeInteger) {
    return absl::StrCat(value.ce_integer());
  }
  return value.ce_string().empty() ? value.ce_uri() : value.ce_string();
}

// One line: time, type, subject, revision and the fields that changed.
void PrintEvent(const Session& session, const CloudEvent& event, std::ostream& out) {
  const std::string type(absl::StripPrefix(
      absl::StripPrefix(event.type(), "throughline.segment.v1."), "throughline.offering.v1."));
  out << Attribute(event, "time") << "  " << type << "  "
      << session.names().Relative(Attribute(event, "subject"));
  if (const std::string revision = Attribute(event, "revision"); !revision.empty()) {
    out << "  revision " << revision;
  }
  // Created and deleted events list every field; only a change says something.
  const bool change = !absl::EndsWith(type, "_created") && !absl::EndsWith(type, "_deleted");
  if (const auto changed = ChangedPaths(event); change && !changed.empty()) {
    out << "  changed: " << absl::StrJoin(changed, ", ");
  }
  out << "\n";
}

struct EventWatchArgs {
  std::string after;
  std::string filter;
};

std::shared_ptr<EventWatchArgs> AddEventWatchArgs(CLI::App* command) {
  auto args = std::make_shared<EventWatchArgs>();
  command->add_option("--after", args->after, "Resume after this cursor (default: from the start)");
  command->add_option("--filter", args->filter,
                      "e.g. 'type = \"throughline.segment.v1.segment_changed\"' or "
                      "'subject = \"organizations/demo/markets/cloud-databases\"'");
  return args;
}

void AddWatchSegments(CLI::App& watch, Session& session) {
  auto* command = watch.add_subcommand("segments", "Print the segment event log, then new events");
  auto args = AddEventWatchArgs(command);
  session.output().SetView(*seg::WatchSegmentEventsResponse::descriptor(), [&session](
                                                                               const auto& message,
                                                                               std::ostream& out) {
    PrintEvent(session, static_cast<const seg::WatchSegmentEventsResponse&>(message).event(), out);
  });
  OnRun(command, session, [&session, args] {
    seg::WatchSegmentEventsRequest request;
    request.set_parent(session.names().Organization());
    request.set_after_cursor(args->after);
    request.set_filter(args->filter);
    return Watch(session, session.segments(), &seg::SegmentService::Stub::WatchSegmentEvents,
                 request);
  });
}

void AddWatchOfferings(CLI::App& watch, Session& session) {
  auto* command =
      watch.add_subcommand("offerings", "Print the offering event log, then new events");
  auto args = AddEventWatchArgs(command);
  session.output().SetView(*off::WatchOfferingEventsResponse::descriptor(), [&session](
                                                                                const auto& message,
                                                                                std::ostream& out) {
    PrintEvent(session, static_cast<const off::WatchOfferingEventsResponse&>(message).event(), out);
  });
  OnRun(command, session, [&session, args] {
    off::WatchOfferingEventsRequest request;
    request.set_parent(session.names().Organization());
    request.set_after_cursor(args->after);
    request.set_filter(args->filter);
    return Watch(session, session.offerings(), &off::OfferingService::Stub::WatchOfferingEvents,
                 request);
  });
}

}  // namespace

void AddWatchCommands(CLI::App& app, Session& session) {
  auto* watch = app.add_subcommand("watch", "Follow tasks or events as they happen (Ctrl-C ends)");
  watch->require_subcommand(1);
  AddWatchTasks(*watch, session);
  AddWatchSegments(*watch, session);
  AddWatchOfferings(*watch, session);
}

}  // namespace throughline::cli

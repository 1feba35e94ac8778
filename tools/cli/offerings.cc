// throughline offerings create|get|list|update|delete: offerings designed for a target segment
// (imperative 3); and `retarget`, which moves an offering to another segment with the why.
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

namespace off = throughline::offering::v1;
using Stub = off::OfferingService::Stub;

const std::vector<FieldFlag> kOfferingFlags = {
    {"--display-name", "display_name", "Human-readable name, e.g. \"Managed PostgreSQL\""},
    {"--target-segment", "target_segment", "The segment it is designed for", &kSegmentName},
    {"--value-proposition", "value_proposition", "The promise to the target segment"},
    {"--rationale", "rationale", "Why this segment and why this offering"},
    {"--positioning", "positioning", "Positioning and messaging"},
    {"--pricing-model", "pricing_model", "Pricing logic"},
    {"--onboarding", "onboarding", "Onboarding flows"},
    {"--support-model", "support_model", "Support model"},
    {"--sales-motion", "sales_motion", "Sales and adoption motions"},
    {"--guarantee", "operational_guarantees", "An operational guarantee"},
    {"--knob", "knobs", "A configuration knob"},
};
const std::vector<std::string> kUpdatable = {"display_name",
                                             "target_segment",
                                             "value_proposition",
                                             "rationale",
                                             "positioning",
                                             "pricing_model",
                                             "onboarding",
                                             "support_model",
                                             "sales_motion",
                                             "operational_guarantees",
                                             "knobs"};

void SetOfferingColumns(Session& session) {
  session.output().SetColumns(*off::Offering::descriptor(),
                              {NameColumn(session), FieldColumn("DISPLAY NAME", "display_name"),
                               NameColumn(session, "TARGET SEGMENT", "target_segment"),
                               FieldColumn("DESIGNED FOR REVISION", "designed_for_revision"),
                               FieldColumn("VALUE PROPOSITION", "value_proposition")});
}

void AddCreate(CLI::App& offerings, Session& session) {
  auto* command = offerings.add_subcommand("create", "Design an offering for a target segment");
  auto args = AddCreateArgs(command, *off::Offering::descriptor(), kOfferingFlags);
  OnRun(command, session, [&session, args] {
    return RunCreate(session, *args, session.names().Organization(), session.offerings(),
                     &Stub::CreateOffering);
  });
}

void AddGet(CLI::App& offerings, Session& session) {
  auto* command = offerings.add_subcommand("get", "Show an offering");
  auto args = AddNameArg(command, "The offering, e.g. managed-postgresql");
  OnRun(command, session, [&session, args] {
    return RunGet(session, kOfferingName, *args, session.offerings(), &Stub::GetOffering);
  });
}

void AddList(CLI::App& offerings, Session& session) {
  auto* command = offerings.add_subcommand("list", "List the organization's offerings");
  auto flags = AddListFlags(command);
  auto segment = std::make_shared<std::string>();
  command->add_option("--target-segment", *segment, "Only offerings designed for this segment");
  OnRun(command, session, [&session, flags, segment] {
    off::ListOfferingsRequest request;
    request.set_parent(session.names().Organization());
    ListFlags list = *flags;
    AddFilterTerm(list.filter, "target_segment", session.names().Resolve(kSegmentName, *segment));
    return session.List(session.offerings(), &Stub::ListOfferings, request, list);
  });
}

void AddUpdate(CLI::App& offerings, Session& session) {
  auto* command = offerings.add_subcommand("update", "Change the fields given of an offering");
  auto args = AddUpdateArgs(command, *off::Offering::descriptor(), kOfferingFlags);
  OnRun(command, session, [&session, args] {
    return RunUpdate(session, kOfferingName, *args, kUpdatable, session.offerings(),
                     &Stub::UpdateOffering);
  });
}

void AddDelete(CLI::App& offerings, Session& session) {
  auto* command = offerings.add_subcommand("delete", "Delete an offering and its decisions");
  auto args = AddNameArg(command, "The offering");
  AddEtagFlag(command, *args);
  OnRun(command, session, [&session, args] {
    return RunDelete(session, kOfferingName, *args, session.offerings(), &Stub::DeleteOffering);
  });
}

struct RetargetArgs {
  off::RetargetOfferingRequest request;
  std::string offering;
  std::string segment;
};

void AddRetarget(CLI::App& app, Session& session) {
  auto* command = app.add_subcommand(
      "retarget", "Move an offering to another segment, with the why; every function gets a task");
  auto args = std::make_shared<RetargetArgs>();
  command->add_option("OFFERING", args->offering, "The offering")->required();
  command->add_option("--segment", args->segment, "The new target segment")->required();
  command
      ->add_option("--rationale", *args->request.mutable_rationale(),
                   "Why; every function reads it in its task")
      ->required();
  command->add_option("--value-proposition", *args->request.mutable_value_proposition(),
                      "The new promise, when it changes with the segment");
  command->add_option("--etag", *args->request.mutable_etag(),
                      "Act only if the offering still has this etag (else exit 4)");
  AddRequestIdFlag(command, *args->request.mutable_request_id());
  OnRun(command, session, [&session, args] {
    off::RetargetOfferingRequest request = args->request;
    request.set_name(session.names().Resolve(kOfferingName, args->offering));
    request.set_target_segment(session.names().Resolve(kSegmentName, args->segment));
    return session.Call(session.offerings(), &Stub::RetargetOffering, request);
  });
}

}  // namespace

void AddOfferingCommands(CLI::App& app, Session& session) {
  auto* offerings =
      app.add_subcommand("offerings", "Offerings designed for a target segment (imperative 3)");
  offerings->require_subcommand(1);
  SetOfferingColumns(session);
  AddCreate(*offerings, session);
  AddGet(*offerings, session);
  AddList(*offerings, session);
  AddUpdate(*offerings, session);
  AddDelete(*offerings, session);
  AddRetarget(app, session);
}

}  // namespace throughline::cli

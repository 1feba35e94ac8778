// throughline-demo: plays the reference scenario of DESIGN.md §11 against running services,
// narrated step by step. `tools/run demo` starts the suite and runs it.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "google/protobuf/field_mask.pb.h"
#include "grpcpp/grpcpp.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace {

using namespace throughline;
namespace seg = throughline::segment::v1;
namespace off = throughline::offering::v1;
namespace aln = throughline::alignment::v1;

constexpr char kOrganization[] = "organizations/demo";
constexpr auto kCallTimeout = std::chrono::seconds(10);
constexpr auto kTaskTimeout = std::chrono::seconds(30);

struct Owner {
  std::string function;
  std::string principal;
  std::string escalation;
};

const std::vector<Owner> kOwners = {
    {"product", "priya@demo.example", "cpo@demo.example"},
    {"engineering", "erin@demo.example", "cto@demo.example"},
    {"operations", "omar@demo.example", "coo@demo.example"},
    {"sales", "sofia@demo.example", "cro@demo.example"},
    {"support", "sam@demo.example", "coo@demo.example"},
};

std::string token;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return context;
}

// Fails the demo with the server's explanation.
void Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return;
  std::cerr << "\n  FAILED to " << what << ": " << status.error_message() << "\n";
  std::exit(EXIT_FAILURE);
}

void Say(int step, const std::string& text) {
  std::cout << "\n" << step << ". " << text << "\n";
}

void Detail(const std::string& text) { std::cout << "   " << text << "\n"; }

type::v1::Need Need(const std::string& dimension, type::v1::Importance importance,
                    const std::string& note) {
  type::v1::Need need;
  need.set_dimension(dimension);
  need.set_importance(importance);
  need.set_note(note);
  return need;
}

std::string Needs(const google::protobuf::RepeatedPtrField<type::v1::Need>& needs) {
  std::string text;
  for (const auto& need : needs) {
    if (!text.empty()) text += ", ";
    text += need.dimension() + " " + type::v1::Importance_Name(need.importance());
  }
  return text;
}

// One functional owner watching their tasks, as a planning tool would.
class OwnerInbox {
 public:
  OwnerInbox(aln::AlignmentService::Stub& stub, std::string owner, std::string offering)
      : stub_(stub), owner_(std::move(owner)), offering_(std::move(offering)) {
    context_.AddMetadata("authorization", "Bearer " + token);
    thread_ = std::thread([this] { Watch(); });
  }
  ~OwnerInbox() {
    context_.TryCancel();
    thread_.join();
  }

  // The first open task about the offering, waiting up to the deadline.
  std::optional<aln::Task> WaitForTask() {
    std::unique_lock lock(mu_);
    arrived_.wait_for(lock, kTaskTimeout, [this] { return task_.has_value() || ended_; });
    return task_;
  }

 private:
  void Watch() {
    aln::WatchTasksRequest request;
    request.set_parent(kOrganization);
    request.set_owner(owner_);
    auto reader = stub_.WatchTasks(&context_, request);
    aln::WatchTasksResponse response;
    while (reader->Read(&response)) {
      if (response.task().offering() != offering_ || response.task().state() != aln::Task::OPEN) {
        continue;
      }
      std::lock_guard lock(mu_);
      if (!task_) {
        task_ = response.task();
        arrived_.notify_all();
      }
    }
    reader->Finish();
    std::lock_guard lock(mu_);
    ended_ = true;
    arrived_.notify_all();
  }

  aln::AlignmentService::Stub& stub_;
  const std::string owner_;
  const std::string offering_;
  grpc::ClientContext context_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::optional<aln::Task> task_;
  bool ended_ = false;
  std::thread thread_;
};

void PrintStatus(aln::AlignmentService::Stub& alignment, const std::string& offering) {
  aln::GetAlignmentStatusRequest request;
  request.set_offering(offering);
  aln::AlignmentStatus status;
  Check(alignment.GetAlignmentStatus(Context().get(), request, &status), "get the status");
  Detail(status.summary());
  for (const auto& function : status.functions()) {
    if (!function.aligned() && !function.reasons().empty()) {
      Detail("  - " + function.function().substr(function.function().rfind('/') + 1) + ": " +
             function.reasons(0));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"throughline-demo: the reference scenario, narrated"};
  std::string segment_address = "127.0.0.1:50051";
  std::string offering_address = "127.0.0.1:50052";
  std::string alignment_address = "127.0.0.1:50053";
  token = "dev-token";
  app.add_option("--segment_address", segment_address)->capture_default_str();
  app.add_option("--offering_address", offering_address)->capture_default_str();
  app.add_option("--alignment_address", alignment_address)->capture_default_str();
  app.add_option(
         "--token", token,
         "Bearer token of an admin of organization demo (the scenario names the functions' owners)")
      ->envname("THROUGHLINE_TOKEN")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto segments = seg::SegmentService::NewStub(
      grpc::CreateChannel(segment_address, grpc::InsecureChannelCredentials()));
  auto offerings = off::OfferingService::NewStub(
      grpc::CreateChannel(offering_address, grpc::InsecureChannelCredentials()));
  auto alignment = aln::AlignmentService::NewStub(
      grpc::CreateChannel(alignment_address, grpc::InsecureChannelCredentials()));
  // A suffix keeps this run's resources apart from an earlier run's.
  const std::string run = std::to_string(std::random_device{}() % 100000);

  std::cout << "Throughline: keeping product strategy and execution on the same why.\n"
               "Reference scenario (DESIGN.md section 11), organization \"demo\".\n";

  Say(1, "Product management decides to compete in the cloud databases market.");
  seg::CreateMarketRequest market_request;
  market_request.set_parent(kOrganization);
  market_request.set_market_id("cloud-databases-" + run);
  market_request.mutable_market()->set_display_name("Cloud databases");
  market_request.mutable_market()->set_decision(seg::Market::COMPETE);
  market_request.mutable_market()->set_rationale(
      "Managed database spend grows fast and our operations know-how is a real edge.");
  seg::Market market;
  Check(segments->CreateMarket(Context().get(), market_request, &market), "create the market");
  Detail("Market " + market.name() + ": COMPETE");

  Say(2, "It describes two segments of that market and targets the DIY power users.");
  seg::CreateSegmentRequest diy_request;
  diy_request.set_parent(market.name());
  diy_request.set_segment_id("diy-power-users");
  auto* diy_spec = diy_request.mutable_segment();
  diy_spec->set_display_name("DIY power users");
  diy_spec->set_description("Advanced users who prefer strong DIY configurability.");
  diy_spec->set_targeting(seg::Segment::TARGETED);
  diy_spec->set_priority(1);
  *diy_spec->add_needs() = Need("configurability", type::v1::CRITICAL, "deep control");
  *diy_spec->add_needs() =
      Need("operational_transparency", type::v1::HIGH, "see what the service does");
  *diy_spec->add_needs() = Need("replication_and_failover_control", type::v1::CRITICAL,
                                "own replication and failover behaviour");
  *diy_spec->add_needs() = Need("tuning", type::v1::HIGH, "tune parameters themselves");
  seg::Segment diy;
  Check(segments->CreateSegment(Context().get(), diy_request, &diy), "create the DIY segment");
  Detail("DIY power users needs: " + Needs(diy.needs()));

  seg::CreateSegmentRequest oneclick_request;
  oneclick_request.set_parent(market.name());
  oneclick_request.set_segment_id("one-click-customers");
  auto* oneclick_spec = oneclick_request.mutable_segment();
  oneclick_spec->set_display_name("One-click customers");
  oneclick_spec->set_description("Teams who want a database that just works.");
  oneclick_spec->set_targeting(seg::Segment::CANDIDATE);
  oneclick_spec->set_priority(2);
  *oneclick_spec->add_needs() = Need("simplicity", type::v1::CRITICAL, "nothing to configure");
  *oneclick_spec->add_needs() = Need("time_to_value", type::v1::HIGH, "running in minutes");
  *oneclick_spec->add_needs() =
      Need("managed_reliability", type::v1::CRITICAL, "we own reliability for them");
  *oneclick_spec->add_needs() = Need("configurability", type::v1::LOW, "rarely touched");
  seg::Segment oneclick;
  Check(segments->CreateSegment(Context().get(), oneclick_request, &oneclick),
        "create the one-click segment");
  Detail("One-click customers needs: " + Needs(oneclick.needs()));

  Say(3, "Every function has an owner who must deliver the same promise.");
  for (const auto& owner : kOwners) {
    aln::UpdateFunctionRequest request;
    request.mutable_function()->set_name(std::string(kOrganization) + "/functions/" +
                                         owner.function);
    request.mutable_function()->set_owner(owner.principal);
    request.mutable_function()->set_escalation_owner(owner.escalation);
    request.mutable_update_mask()->add_paths("owner");
    request.mutable_update_mask()->add_paths("escalation_owner");
    aln::Function function;
    Check(alignment->UpdateFunction(Context().get(), request, &function),
          "set the owner of " + owner.function);
    Detail(owner.function + " is owned by " + owner.principal);
  }

  Say(4, "Product designs \"Managed PostgreSQL\" for the DIY power users.");
  off::CreateOfferingRequest offering_request;
  offering_request.set_parent(kOrganization);
  offering_request.set_offering_id("managed-postgresql-" + run);
  auto* spec = offering_request.mutable_offering();
  spec->set_display_name("Managed PostgreSQL");
  spec->set_target_segment(diy.name());
  spec->set_value_proposition(
      "PostgreSQL you fully control: replication, failover and tuning are yours to shape.");
  spec->set_rationale("DIY power users are underserved by opaque managed databases.");
  spec->set_support_model("Expert-to-expert support");
  auto* knob = spec->add_knobs();
  knob->set_key("synchronous_commit");
  knob->set_exposure(off::Knob::EXPOSED);
  knob->set_dimension("configurability");
  off::Offering offering;
  Check(offerings->CreateOffering(Context().get(), offering_request, &offering),
        "create the offering");
  Detail("Offering " + offering.name() + " designed for revision " +
         std::to_string(offering.designed_for_revision()) + " of DIY power users");

  Say(5, "Engineering proposes to hide most knobs to accelerate launch.");
  off::CreateDecisionRequest decision_request;
  decision_request.set_parent(offering.name());
  decision_request.set_decision_id("hide-most-knobs");
  auto* decision_spec = decision_request.mutable_decision();
  decision_spec->set_title("Hide most knobs to accelerate launch");
  decision_spec->set_why(
      "Fewer configurable surfaces need less engineering validation and testing, so we "
      "launch sooner.");
  decision_spec->set_how("Expose five settings; fix the rest to our defaults.");
  decision_spec->set_owning_function("engineering");
  decision_spec->set_state(off::Decision::ACCEPTED);
  auto* weakens = decision_spec->add_effects();
  weakens->set_dimension("configurability");
  weakens->set_effect(off::Effect::WEAKENS);
  weakens->set_strength(3);
  auto* supports = decision_spec->add_effects();
  supports->set_dimension("simplicity");
  supports->set_effect(off::Effect::SUPPORTS);
  supports->set_strength(2);
  off::Decision decision;
  Check(offerings->CreateDecision(Context().get(), decision_request, &decision),
        "record the decision");

  Say(6, "Throughline checks the decision against the segment's why.");
  off::EvaluateCoherenceRequest coherence_request;
  coherence_request.set_name(offering.name());
  off::CoherenceReport report;
  Check(offerings->EvaluateCoherence(Context().get(), coherence_request, &report),
        "evaluate coherence");
  Detail("Coherence score " + std::to_string(report.score()) + "/100");
  for (const auto& finding : report.findings()) {
    Detail("  [" + off::Finding::Severity_Name(finding.severity()) + " " +
           off::Finding::Kind_Name(finding.kind()) + "] " + finding.message());
  }

  Say(7, "Each functional owner opens their task inbox (a WatchTasks stream).");
  std::map<std::string, std::unique_ptr<OwnerInbox>> inboxes;
  for (const auto& owner : kOwners) {
    inboxes[owner.function] =
        std::make_unique<OwnerInbox>(*alignment, owner.principal, offering.name());
  }

  Say(8, "New evidence: leadership retargets the offering to one-click customers.");
  off::RetargetOfferingRequest retarget;
  retarget.set_name(offering.name());
  retarget.set_target_segment(oneclick.name());
  retarget.set_rationale(
      "Trials show most buyers want a database that just works; one-click customers are the "
      "larger, faster-growing segment.");
  retarget.set_value_proposition(
      "PostgreSQL that just works: running in minutes, reliability is our job.");
  retarget.set_request_id("demo-retarget-" + run);
  Check(offerings->RetargetOffering(Context().get(), retarget, &offering), "retarget");
  Detail("Now designed for " + offering.target_segment() + " (revision " +
         std::to_string(offering.designed_for_revision()) + ")");

  Say(9, "Each owner receives a re-evaluation task with the new why.");
  std::map<std::string, aln::Task> tasks;
  bool needs_shown = false;
  for (const auto& owner : kOwners) {
    auto task = inboxes[owner.function]->WaitForTask();
    if (!task) {
      std::cerr << "\n  FAILED: " << owner.principal << " received no task within "
                << kTaskTimeout.count() << "s\n";
      return EXIT_FAILURE;
    }
    std::string areas;
    for (int area : task->areas()) {
      areas += (areas.empty() ? "" : ", ") + aln::Area_Name(static_cast<aln::Area>(area));
    }
    if (!needs_shown) {
      needs_shown = true;
      Detail("Every task carries the why: the new promise \"" + task->value_proposition() +
             "\"");
      Detail("and what changed in the needs of the target segment:");
      for (const auto& change : task->need_changes()) {
        Detail("    " + change.dimension() + ": " +
               aln::NeedChange::Kind_Name(change.kind()) +
               (change.importance_before() != type::v1::IMPORTANCE_UNSPECIFIED
                    ? " (was " + type::v1::Importance_Name(change.importance_before()) + ")"
                    : "") +
               (change.importance_after() != type::v1::IMPORTANCE_UNSPECIFIED
                    ? " (now " + type::v1::Importance_Name(change.importance_after()) + ")"
                    : ""));
      }
    }
    Detail(owner.principal + " (" + owner.function + ") got a task: revisit " + areas + "; " +
           std::to_string(task->incoherent_decisions_size()) +
           " of its decisions incoherent with the new segment");
    for (const auto& incoherent : task->incoherent_decisions()) {
      Detail("    " + incoherent.title() + ": " + incoherent.finding());
    }
    tasks[owner.function] = *task;
  }

  Say(10, "Until every function has resolved its task, the offering is not aligned.");
  PrintStatus(*alignment, offering.name());

  Say(11, "The owners resolve their tasks one by one.");
  for (const auto& owner : kOwners) {
    aln::ResolveTaskRequest request;
    request.set_name(tasks[owner.function].name());
    request.mutable_resolution()->set_kind(aln::Resolution::REAFFIRMED);
    request.mutable_resolution()->set_reason(
        owner.function + " reviewed its areas against the one-click promise.");
    aln::Task resolved;
    Check(alignment->ResolveTask(Context().get(), request, &resolved),
          "resolve the task of " + owner.function);
    Detail(owner.principal + " resolved: REAFFIRMED");
    PrintStatus(*alignment, offering.name());
  }

  aln::GetAlignmentStatusRequest final_request;
  final_request.set_offering(offering.name());
  aln::AlignmentStatus final_status;
  Check(alignment->GetAlignmentStatus(Context().get(), final_request, &final_status),
        "get the final status");
  if (!final_status.aligned()) {
    std::cerr << "\n  FAILED: the offering is still not aligned\n";
    return EXIT_FAILURE;
  }
  std::cout << "\nDone: every function delivers the same promise again.\n";
  return EXIT_SUCCESS;
}

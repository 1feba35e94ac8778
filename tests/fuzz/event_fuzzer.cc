// Event decoding as the alignment service does it (services/alignment/event_processor.cc):
// a Watch…EventsResponse from the wire, the CloudEvent's attributes, the typed payload unpacked
// by event type, and then the pure planning code that runs on the decoded payload: the need
// changes between the segment snapshots (NeedChanges), a task for a function (PlanTask) and
// coherence of the offering against the segment (EvaluateCoherence). The cursor goes through
// EventLog::ValidateCursor, as it does when the subscriber reconnects with it.
//
// Input: a throughline.segment.v1.WatchSegmentEventsResponse (the offering response has the
// same fields) in protobuf wire format.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "fuzz_checks.h"
#include "libs/eventlog/event_log.h"
#include "services/alignment/task_planner.h"
#include "services/offering/coherence.h"
#include "throughline/offering/v1/events.pb.h"
#include "throughline/segment/v1/events.pb.h"
#include "throughline/segment/v1/segment_service.pb.h"

namespace {

namespace alignment = throughline::alignment;
namespace offering = throughline::offering;
namespace segment = throughline::segment;
using io::cloudevents::v1::CloudEvent;
using throughline::fuzz::CheckClientError;

// As in event_processor.cc.
std::string Attribute(const CloudEvent& event, const std::string& key) {
  const auto found = event.attributes().find(key);
  return found == event.attributes().end() ? "" : found->second.ce_string();
}

alignment::v1::Trigger TriggerOf(const CloudEvent& event) {
  alignment::v1::Trigger trigger;
  trigger.set_event_source(event.source());
  trigger.set_event_id(event.id());
  trigger.set_event_type(event.type());
  trigger.set_subject(Attribute(event, "subject"));
  int64_t revision = 0;
  if (absl::SimpleAtoi(Attribute(event, "revision"), &revision)) trigger.set_revision(revision);
  return trigger;
}

alignment::v1::Function Engineering() {
  alignment::v1::Function function;
  function.set_name("organizations/acme/functions/engineering");
  function.set_owner("erin@acme.example");
  function.add_areas(alignment::v1::KNOBS_AND_CONFIGURABILITY);
  return function;
}

// Needs changes name only dimensions of the two snapshots, each at most once per side.
void CheckNeedChanges(const segment::v1::Segment& before, const segment::v1::Segment& after,
                      const std::vector<alignment::v1::NeedChange>& changes) {
  std::set<std::string> dimensions;
  for (const auto& need : before.needs()) dimensions.insert(need.dimension());
  for (const auto& need : after.needs()) dimensions.insert(need.dimension());
  FUZZ_CHECK(changes.size() <= static_cast<size_t>(before.needs_size() + after.needs_size()));
  for (const auto& change : changes) {
    FUZZ_CHECK(dimensions.contains(change.dimension()));
    FUZZ_CHECK(change.kind() != alignment::v1::NeedChange::KIND_UNSPECIFIED);
  }
}

void Plan(const alignment::v1::Trigger& trigger, const offering::v1::Offering& target,
          const std::vector<offering::v1::Decision>& decisions,
          const segment::v1::Segment& before, const segment::v1::Segment& after) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  const std::vector<alignment::v1::NeedChange> changes =
      alignment::NeedChanges(before.needs(), after.needs());
  CheckNeedChanges(before, after, changes);
  alignment::AffectedOffering affected;
  affected.offering = target;
  affected.accepted_decisions = decisions;
  affected.coherence = offering::EvaluateCoherence(target, decisions, after, {}, now);
  FUZZ_CHECK(affected.coherence.score() >= 0 && affected.coherence.score() <= 100);
  const alignment::v1::Task task =
      alignment::PlanTask(trigger, affected, {before, after}, Engineering(), now);
  FUZZ_CHECK(task.need_changes_size() == static_cast<int>(changes.size()));
  FUZZ_CHECK(task.state() == alignment::v1::Task::OPEN);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  segment::v1::WatchSegmentEventsResponse response;
  if (!response.ParseFromArray(data, static_cast<int>(size))) return 0;
  CheckClientError(throughline::eventlog::EventLog::ValidateCursor(response.cursor(),
                                                                   "after_cursor"));
  const CloudEvent& event = response.event();
  const alignment::v1::Trigger trigger = TriggerOf(event);
  (void)Attribute(event, "organization");

  // A segment event: the segment before and after, planned for an offering that targets it
  // with one accepted decision.
  segment::v1::SegmentEventData segment_data;
  if (event.proto_data().UnpackTo(&segment_data)) {
    offering::v1::Offering target;
    target.set_name("organizations/acme/offerings/managed-postgresql");
    target.set_target_segment(segment_data.after().name());
    target.set_designed_for_revision(1);
    offering::v1::Decision decision;
    decision.set_name(target.name() + "/decisions/hide-most-knobs");
    decision.set_owning_function("engineering");
    decision.set_state(offering::v1::Decision::ACCEPTED);
    decision.set_why("fewer settings");
    auto* effect = decision.add_effects();
    effect->set_dimension("configurability");
    effect->set_effect(offering::v1::Effect::WEAKENS);
    effect->set_strength(3);
    Plan(trigger, target, {decision}, segment_data.before(), segment_data.after());
  }

  // An offering event: the offering after the change, against its target segment (here a
  // segment with the needs of the reference scenario).
  offering::v1::OfferingEventData offering_data;
  if (event.proto_data().UnpackTo(&offering_data)) {
    segment::v1::Segment target;
    target.set_name(offering_data.after().target_segment());
    target.set_revision(2);
    auto* need = target.add_needs();
    need->set_dimension("configurability");
    need->set_importance(throughline::type::v1::CRITICAL);
    Plan(trigger, offering_data.after(), {}, target, target);
  }
  return 0;
}

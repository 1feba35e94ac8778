#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "io/cloudevents/v1/cloudevents.pb.h"
#include "libs/db/connection_pool.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/worker_pool.h"
#include "pqxx/pqxx"
#include "services/alignment/suite_client.h"
#include "services/alignment/task_planner.h"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

// What a triggering change means for the organization: the trigger, the segment before and
// after, and every affected offering with its coherence after the change.
struct TriggerPlan {
  std::string organization;
  v1::Trigger trigger;
  SegmentChange change;
  std::vector<AffectedOffering> offerings;
};

// Turns segment and offering events into re-evaluation tasks (DESIGN.md §5):
// - a segment_changed event whose changed paths include needs or targeting affects every
//   offering targeting that segment;
// - offering_retargeted, and offering_changed with value_proposition among its changed paths,
//   affect that offering.
// For each affected offering and each function of the organization it creates one task,
// supersedes that function's older unresolved tasks for the offering, publishes the task
// events and advances the subscription's cursor, all in one transaction, once per event
// (inbox keyed by source and id).
class EventProcessor {
 public:
  using Clock = std::function<absl::Time()>;

  EventProcessor(db::ConnectionPool& pool, const eventlog::EventLog& task_log,
                 const SuiteClient& suite, Clock clock, absl::Duration task_due_after);

  // What an event means, read before its transaction: whether it was processed before and,
  // if not, its plan (std::nullopt: no tasks). A transient failure is kept in `status`.
  struct Prepared {
    absl::Status status;
    bool processed = false;
    std::optional<TriggerPlan> plan;
  };

  // Processing one event of `subscription` is Prepare, then Write, which records `cursor` as
  // its position; errors leave the cursor where it was (the caller retries the event later).
  // Prepare reads only (the inbox check and the calls to the other services), so a
  // subscription prepares the next events while it writes the current one; writes must come
  // in log order.
  Prepared Prepare(const io::cloudevents::v1::CloudEvent& event) const;
  absl::Status Write(const std::string& subscription, const io::cloudevents::v1::CloudEvent& event,
                     const std::string& cursor, const Prepared& prepared);

  // Writes several prepared events, consecutive in the log and in log order, in one
  // transaction, and records `cursor` (the last one's) as the subscription's position: when
  // events arrive faster than one commit each, they share the commit.
  struct ReadyEvent {
    const io::cloudevents::v1::CloudEvent* event;
    const Prepared* prepared;
  };
  absl::Status WriteAll(const std::string& subscription, const std::vector<ReadyEvent>& events,
                        const std::string& cursor);

  // The plan for a segment going from `before` to `after` (std::nullopt: not a trigger),
  // reading the affected offerings from the offering service. Used for events and for
  // PreviewSegmentChange.
  absl::StatusOr<std::optional<TriggerPlan>> PlanSegmentChange(
      const std::string& organization, const segment::v1::Segment& before,
      const segment::v1::Segment& after, const std::vector<std::string>& changed_paths,
      v1::Trigger trigger, absl::Time deadline) const;

  // The tasks of `plan` for `functions`, unsaved.
  std::vector<v1::Task> Tasks(const TriggerPlan& plan,
                              const std::vector<v1::Function>& functions) const;

 private:
  absl::StatusOr<std::optional<TriggerPlan>> Plan(const io::cloudevents::v1::CloudEvent& event,
                                                  absl::Time deadline) const;
  // The writes of the plans of `organization`'s events, in log order, in `tx`, which holds
  // the offerings' locks: their tasks for `functions` and the older tasks they supersede, in
  // one statement each for all the plans. Their events are added to `events`, for the caller
  // to append. Returns how many tasks each plan created.
  std::vector<int> WriteTasks(pqxx::work& tx, const std::string& organization,
                              const std::vector<const TriggerPlan*>& plans,
                              const std::vector<v1::Function>& functions, absl::Time now,
                              eventlog::EventLog::Batch& events);
  // `offering` with its accepted decisions and their coherence with `segment`.
  absl::StatusOr<AffectedOffering> Affected(const offering::v1::Offering& offering,
                                            std::vector<offering::v1::Decision> accepted_decisions,
                                            const segment::v1::Segment& segment) const;

  db::ConnectionPool& pool_;
  const eventlog::EventLog& task_log_;
  const SuiteClient& suite_;
  const Clock clock_;
  const absl::Duration task_due_after_;
  // Where WriteTasks builds and drafts tasks while PostgreSQL runs its statements: one thread
  // for each of the two subscriptions' writers, which hand over one piece of work at a time.
  // Last, so that it stops before the members its work uses.
  server::WorkerPool helpers_{2, 2};
};

}  // namespace throughline::alignment

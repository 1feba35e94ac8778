#include "services/alignment/event_processor.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/api/etag.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/uuid.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"
#include "services/alignment/alignment_store.h"
#include "services/alignment/task_log.h"
#include "services/offering/coherence.h"
#include "throughline/offering/v1/events.pb.h"
#include "throughline/segment/v1/events.pb.h"

namespace throughline::alignment {
namespace {

using io::cloudevents::v1::CloudEvent;

constexpr char kSegmentChanged[] = "throughline.segment.v1.segment_changed";
constexpr char kOfferingRetargeted[] = "throughline.offering.v1.offering_retargeted";
constexpr char kOfferingChanged[] = "throughline.offering.v1.offering_changed";
// The remote reads of one event get this long.
constexpr absl::Duration kContextTimeout = absl::Seconds(10);

std::string Attribute(const CloudEvent& event, const std::string& key) {
  const auto found = event.attributes().find(key);
  return found == event.attributes().end() ? "" : found->second.ce_string();
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& paths, std::string_view path) {
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

v1::Trigger TriggerOf(const CloudEvent& event) {
  v1::Trigger trigger;
  trigger.set_event_source(event.source());
  trigger.set_event_id(event.id());
  trigger.set_event_type(event.type());
  trigger.set_subject(Attribute(event, "subject"));
  int64_t revision = 0;
  if (absl::SimpleAtoi(Attribute(event, "revision"), &revision)) trigger.set_revision(revision);
  return trigger;
}

using api::IdOf;

// The fields a supersession changes (below, in WriteTasks), in the order of the Task message:
// its events compare only these.
const std::vector<std::string>& SupersessionPaths() {
  static const auto* const paths =
      new std::vector<std::string>{"state", "superseded_by", "update_time", "etag"};
  return *paths;
}

// Errors that the same event will always get again.
bool IsPermanent(const absl::Status& status) {
  return status.code() == absl::StatusCode::kNotFound ||
         status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

}  // namespace

EventProcessor::EventProcessor(db::ConnectionPool& pool, const eventlog::EventLog& task_log,
                               const SuiteClient& suite, Clock clock, absl::Duration task_due_after)
    : pool_(pool),
      task_log_(task_log),
      suite_(suite),
      clock_(std::move(clock)),
      task_due_after_(task_due_after) {}

absl::StatusOr<AffectedOffering> EventProcessor::Affected(
    const offering::v1::Offering& offering, std::vector<offering::v1::Decision> accepted_decisions,
    const segment::v1::Segment& segment) const {
  // Coherence is evaluated here, with the offering service's own pure function: the
  // offering, its decisions and the segment after the change are all in hand, and a call per
  // offering to the offering service would only read the first two again (BENCHMARKS.md).
  // Tasks carry the incoherent decisions only, so the commitments' metrics are left out here;
  // PreviewSegmentChange adds them to the score it reports.
  if (accepted_decisions.size() > offering::kMaxDecisionsEvaluated) {
    return errors::FailedPrecondition(
        "TOO_MANY_DECISIONS", offering.name(),
        absl::StrCat("the offering has more than ", offering::kMaxDecisionsEvaluated,
                     " accepted decisions; supersede old ones before evaluating"));
  }
  AffectedOffering affected;
  affected.offering = offering;
  affected.accepted_decisions = std::move(accepted_decisions);
  affected.coherence =
      offering::EvaluateCoherence(offering, affected.accepted_decisions, segment, {}, clock_());
  return affected;
}

absl::StatusOr<std::optional<TriggerPlan>> EventProcessor::PlanSegmentChange(
    const std::string& organization, const segment::v1::Segment& before,
    const segment::v1::Segment& after, const std::vector<std::string>& changed_paths,
    v1::Trigger trigger, absl::Time deadline) const {
  const bool triggers =
      std::any_of(changed_paths.begin(), changed_paths.end(),
                  [](const std::string& path) { return path == "needs" || path == "targeting"; });
  if (!triggers) return std::nullopt;
  TriggerPlan plan{organization, std::move(trigger), {before, after}, {}};
  // The accepted decisions of every offering targeting the segment, in one read: a call per
  // offering made a segment that 100 offerings target wait for 100 calls (BENCHMARKS.md,
  // fan-out). The offerings are read after them, so an offering deleted or retargeted
  // elsewhere in between is left out; one that starts targeting the segment in between is
  // planned without decisions, and its own retarget event plans it again.
  auto decisions = suite_.AcceptedDecisionsTargeting(organization, after.name(), deadline);
  if (!decisions.ok()) return decisions.status();
  auto offerings = suite_.OfferingsTargeting(organization, after.name(), deadline);
  if (!offerings.ok()) return offerings.status();
  std::map<std::string, std::vector<offering::v1::Decision>> decisions_of;
  for (auto& decision : *decisions) {
    std::string offering = decision.name().substr(0, decision.name().find("/decisions/"));
    decisions_of[std::move(offering)].push_back(std::move(decision));
  }
  for (const auto& offering : *offerings) {
    auto affected = Affected(offering, std::move(decisions_of[offering.name()]), after);
    if (!affected.ok()) return affected.status();
    plan.offerings.push_back(*std::move(affected));
  }
  return plan;
}

absl::StatusOr<std::optional<TriggerPlan>> EventProcessor::Plan(const CloudEvent& event,
                                                                absl::Time deadline) const {
  const std::string organization = Attribute(event, "organization");
  if (event.type() == kSegmentChanged) {
    segment::v1::SegmentEventData data;
    if (!event.proto_data().UnpackTo(&data)) return absl::InternalError("bad segment event");
    return PlanSegmentChange(organization, data.before(), data.after(),
                             {data.changed_paths().begin(), data.changed_paths().end()},
                             TriggerOf(event), deadline);
  }
  if (event.type() != kOfferingRetargeted && event.type() != kOfferingChanged) {
    return std::nullopt;
  }
  offering::v1::OfferingEventData data;
  if (!event.proto_data().UnpackTo(&data)) return absl::InternalError("bad offering event");
  if (event.type() == kOfferingChanged && !Contains(data.changed_paths(), "value_proposition")) {
    return std::nullopt;
  }
  TriggerPlan plan{organization, TriggerOf(event), {}, {}};
  auto after = suite_.GetSegment(data.after().target_segment(), deadline);
  if (!after.ok()) return after.status();
  plan.change.after = *std::move(after);
  if (data.before().target_segment() == data.after().target_segment()) {
    plan.change.before = plan.change.after;
  } else {
    auto before = suite_.GetSegment(data.before().target_segment(), deadline);
    if (before.ok()) {
      plan.change.before = *std::move(before);
    } else if (before.status().code() == absl::StatusCode::kNotFound) {
      plan.change.before.set_name(data.before().target_segment());  // deleted since
    } else {
      return before.status();
    }
  }
  // The offering as of now: a later event will bring later changes.
  auto offering = suite_.GetOffering(data.after().name(), deadline);
  if (offering.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
  if (!offering.ok()) return offering.status();
  auto decisions = suite_.AcceptedDecisions(offering->name(), deadline);
  if (decisions.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
  if (!decisions.ok()) return decisions.status();
  auto affected = Affected(*offering, *std::move(decisions), plan.change.after);
  if (!affected.ok()) return affected.status();
  plan.offerings.push_back(*std::move(affected));
  return plan;
}

std::vector<v1::Task> EventProcessor::Tasks(const TriggerPlan& plan,
                                            const std::vector<v1::Function>& functions) const {
  std::vector<v1::Task> tasks;
  const absl::Time due = clock_() + task_due_after_;
  for (const auto& affected : plan.offerings) {
    for (const auto& function : functions) {
      tasks.push_back(PlanTask(plan.trigger, affected, plan.change, function, due));
    }
  }
  return tasks;
}

EventProcessor::Prepared EventProcessor::Prepare(const CloudEvent& event) const {
  const absl::Time deadline = clock_() + kContextTimeout;
  Prepared prepared;
  // Skip the remote reads of an event processed before (a replay after a crash).
  prepared.status = db::RunRead(pool_, deadline, [&](pqxx::transaction_base& tx) {
    prepared.processed = AlignmentStore::Processed(tx, event.source(), event.id());
    return absl::OkStatus();
  });
  if (!prepared.status.ok() || prepared.processed) return prepared;

  auto planned = Plan(event, deadline);
  if (IsPermanent(planned.status())) {
    // Retrying cannot help (e.g. the segment was deleted since); blocking here would stall
    // every later event. The event is recorded as processed without tasks.
    log::Error("event cannot be turned into tasks; skipped",
               {{"event", event.id()},
                {"type", event.type()},
                {"subject", Attribute(event, "subject")},
                {"error", planned.status().ToString()}});
  } else if (!planned.ok()) {
    prepared.status = planned.status();
  } else {
    prepared.plan = *std::move(planned);
  }
  return prepared;
}

absl::Status EventProcessor::Write(const std::string& subscription, const CloudEvent& event,
                                   const std::string& cursor, const Prepared& prepared) {
  return WriteAll(subscription, {{&event, &prepared}}, cursor);
}

absl::Status EventProcessor::WriteAll(const std::string& subscription,
                                      const std::vector<ReadyEvent>& events,
                                      const std::string& cursor) {
  for (const ReadyEvent& ready : events) {
    if (!ready.prepared->status.ok()) return ready.prepared->status;
  }
  const absl::Time deadline = clock_() + kContextTimeout;
  std::vector<int> created(events.size());
  // The task events reach this process's own WatchTasks streams from memory (EventLog::
  // Appending); an append whose transaction did not commit is abandoned, however it ended.
  eventlog::EventLog::Batch task_events;
  int64_t first_position = 0;
  absl::Cleanup abandon = [&] {
    if (first_position != 0) task_log_.Abandoned(first_position);
  };
  absl::Status written = db::RunTransaction(pool_, deadline, [&](pqxx::work& tx) {
    if (first_position != 0) task_log_.Abandoned(first_position);  // an earlier attempt's
    first_position = 0;
    task_events = eventlog::EventLog::Batch();
    // Each statement serves the whole batch: the inbox claims, the offering locks, then for
    // each organization its functions and the task statements of all its events (WriteTasks),
    // and one append of every task event. A batch forms when the writer falls behind, and
    // statements per event would make it fall further behind (BENCHMARKS.md, step 21).
    std::vector<std::pair<std::string, std::string>> ids;
    for (const ReadyEvent& ready : events) {
      ids.emplace_back(ready.event->source(), ready.event->id());
    }
    const std::vector<bool> first = AlignmentStore::ClaimEvents(tx, ids);
    // The events processed for the first time that have tasks, by organization.
    std::map<std::string, std::vector<size_t>> with_tasks;
    std::set<std::string> offerings;
    for (size_t i = 0; i < events.size(); ++i) {
      const std::optional<TriggerPlan>& plan = events[i].prepared->plan;
      if (!first[i] || !plan || plan->offerings.empty()) continue;
      with_tasks[plan->organization].push_back(i);
      for (const auto& affected : plan->offerings) offerings.insert(affected.offering.name());
    }
    // The segment and offering subscriptions run concurrently: without this, two triggers
    // for one offering could each miss the other's new task and leave two open tasks for
    // one function.
    if (!offerings.empty()) AlignmentStore::LockOfferingTasks(tx, offerings);
    const absl::Time now = clock_();
    for (const auto& [organization, indexes] : with_tasks) {
      std::vector<const TriggerPlan*> plans;
      for (size_t i : indexes) plans.push_back(&*events[i].prepared->plan);
      const std::vector<int> counts =
          WriteTasks(tx, organization, plans, AlignmentStore::AllFunctions(tx, organization, now),
                     now, task_events);
      for (size_t k = 0; k < indexes.size(); ++k) created[indexes[k]] = counts[k];
    }
    first_position = task_log_.AppendAll(tx, task_events);
    if (first_position != 0) task_log_.Appending(first_position, task_events);
    AlignmentStore::SetCursor(tx, subscription, cursor);
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  if (first_position != 0) {
    task_log_.Committed(first_position, std::move(task_events));
    first_position = 0;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (created[i] == 0) continue;
    const CloudEvent& event = *events[i].event;
    log::Info("re-evaluation tasks created", {{"event", event.id()},
                                              {"type", event.type()},
                                              {"subject", Attribute(event, "subject")},
                                              {"tasks", created[i]}});
  }
  return absl::OkStatus();
}

std::vector<int> EventProcessor::WriteTasks(pqxx::work& tx, const std::string& organization,
                                            const std::vector<const TriggerPlan*>& plans,
                                            const std::vector<v1::Function>& functions,
                                            absl::Time now, eventlog::EventLog::Batch& events) {
  std::set<std::string> offering_set;
  for (const TriggerPlan* plan : plans) {
    for (const auto& affected : plan->offerings) offering_set.insert(affected.offering.name());
  }
  const std::vector<std::string> offerings(offering_set.begin(), offering_set.end());
  std::vector<std::string> function_ids;
  for (const auto& function : functions) function_ids.push_back(IdOf(function.name()));
  // Every statement below covers every plan at once: a fan-out's 500 tasks, or the tasks of
  // several changes that arrived together, which would otherwise cost three statements each
  // (BENCHMARKS.md, step 21). The CPU work between them (a fan-out of 500 tasks: tens of
  // milliseconds of building, serializing and parsing) is done on a helper thread while
  // PostgreSQL runs the statement before it. The transaction holds the offerings' locks, and
  // from its append on the whole log's, so this keeps it close to PostgreSQL's own time
  // (BENCHMARKS.md, step 19).

  // The new tasks, plan after plan, and their insert, made while the older unresolved tasks
  // of these offerings and functions are locked.
  std::vector<v1::Task> tasks;
  std::vector<size_t> plan_of;  // the index in `plans` of each task's plan
  server::PoolFuture<AlignmentStore::TaskInserts> planned = server::RunOn(helpers_, [&] {
    thread_local absl::BitGen random;
    AlignmentStore::TaskInserts inserts(organization);
    for (size_t p = 0; p < plans.size(); ++p) {
      for (v1::Task& task : Tasks(*plans[p], functions)) {
        tasks.push_back(std::move(task));
        plan_of.push_back(p);
      }
    }
    for (v1::Task& task : tasks) {
      const std::string task_id = api::NewUuid(random);
      task.set_name(absl::StrCat("organizations/", organization, "/tasks/", task_id));
      task.set_uid(api::NewUuid(random));
      *task.mutable_create_time() = api::ToTimestamp(now);
      *task.mutable_update_time() = api::ToTimestamp(now);
      task.set_etag(api::MakeEtag(task.uid(), 1));
      inserts.Add({task_id, 1, &task});
    }
    return inserts;
  });
  const pqxx::result unresolved =
      AlignmentStore::LockUnresolvedTasks(tx, organization, offerings, function_ids);
  const AlignmentStore::TaskInserts inserts = planned.get();

  // The older tasks are about stale strategy: the new tasks supersede them. Each new task's
  // event, then the supersession of the tasks it replaces and their events; of the tasks in
  // `only` when given (the others were created by an earlier delivery). A task replaces the
  // locked tasks of its offering and function, or the task of an earlier plan that replaced
  // them: the same tasks and events as writing the plans one transaction each.
  std::map<std::pair<std::string, std::string>, std::vector<Stored<v1::Task>>> older;
  struct Drafts {
    std::vector<int> created;
    AlignmentStore::TaskUpdates updates;
    eventlog::EventLog::Batch events;
  };
  auto draft = [&](const std::set<std::string>* only) {
    Drafts drafts{std::vector<int>(plans.size()), AlignmentStore::TaskUpdates(organization), {}};
    auto supersede = [&](const v1::Task& before, int64_t version, const v1::Task& by) {
      v1::Task after = before;
      after.set_state(v1::Task::SUPERSEDED);
      after.set_superseded_by(by.name());
      *after.mutable_update_time() = api::ToTimestamp(now);
      after.set_etag(api::MakeEtag(after.uid(), version + 1));
      drafts.updates.Add({IdOf(after.name()), version + 1, &after});
      drafts.events.Add(TaskEvent(task_log_, organization, &before, after, version + 1, now,
                                  SupersessionPaths()));
    };
    // The newest task of this batch for each offering and function.
    std::map<std::pair<std::string, std::string>, const v1::Task*> newest;
    for (size_t i = 0; i < tasks.size(); ++i) {
      const v1::Task& task = tasks[i];
      if (only != nullptr && !only->contains(IdOf(task.name()))) continue;
      ++drafts.created[plan_of[i]];
      drafts.events.Add(TaskEvent(task_log_, organization, nullptr, task, 1, now));
      const std::pair<std::string, std::string> key{task.offering(), IdOf(task.function())};
      auto [latest, first_of_key] = newest.try_emplace(key, &task);
      if (!first_of_key) {
        supersede(*latest->second, 1, task);
        latest->second = &task;
      } else if (auto stale_tasks = older.find(key); stale_tasks != older.end()) {
        for (const auto& stale : stale_tasks->second) {
          supersede(stale.resource, stale.version, task);
        }
      }
    }
    return drafts;
  };
  server::PoolFuture<Drafts> all = server::RunOn(helpers_, [&] {
    for (auto& stale : AlignmentStore::ReadTasks(unresolved)) {
      older[{stale.resource.offering(), IdOf(stale.resource.function())}].push_back(
          std::move(stale));
    }
    return draft(nullptr);
  });
  const std::set<std::string> inserted = AlignmentStore::InsertTasks(tx, inserts);
  Drafts drafts = all.get();
  if (inserted.size() != tasks.size()) drafts = draft(&inserted);
  AlignmentStore::UpdateTasks(tx, drafts.updates);
  events.Add(std::move(drafts.events));
  return drafts.created;
}

}  // namespace throughline::alignment

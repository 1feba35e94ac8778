// What creates re-evaluation tasks (DESIGN.md §5): a targeted segment's needs or targeting
// change, an offering retargeted, an offering's value proposition changed; and what a task
// carries so its owner can act without asking anyone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "io/cloudevents/v1/cloudevents.pb.h"
#include "libs/api/changes.h"
#include "pqxx/pqxx"
#include "tests/services/alignment/alignment_fixture.h"
#include "throughline/alignment/v1/events.pb.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kOfferingRetargeted[] = "throughline.offering.v1.offering_retargeted";
constexpr char kOfferingChanged[] = "throughline.offering.v1.offering_changed";
constexpr char kPostgresLite[] = "organizations/acme/offerings/postgres-lite";
constexpr char kPostgresDiy[] = "organizations/acme/offerings/postgres-diy";

using NeedChangeTuple = std::tuple<std::string, int, int, int>;

std::vector<NeedChangeTuple> ChangesOf(const aln::Task& task) {
  std::vector<NeedChangeTuple> changes;
  for (const auto& change : task.need_changes()) {
    changes.emplace_back(change.dimension(), change.kind(), change.importance_before(),
                         change.importance_after());
  }
  return changes;
}

std::vector<std::string> Dimensions(const google::protobuf::RepeatedPtrField<Need>& needs) {
  std::vector<std::string> dimensions;
  for (const auto& need : needs) dimensions.push_back(need.dimension());
  return dimensions;
}

std::vector<std::string> IncoherentTitles(const aln::Task& task) {
  std::vector<std::string> titles;
  for (const auto& decision : task.incoherent_decisions()) titles.push_back(decision.title());
  return titles;
}

using AlignmentTriggersTest = AlignmentServiceTest;

TEST_F(AlignmentTriggersTest, RetargetingCreatesOneTaskPerFunctionCarryingTheWhy) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  auto diy = suite().GetSegment(kDiy);
  auto oneclick = suite().GetSegment(kOneClick);
  ASSERT_TRUE(diy.ok() && oneclick.ok());
  const absl::Time before = absl::Now();
  const auto tasks = RetargetToOneClick();
  ASSERT_EQ(tasks.size(), 5u);

  std::set<std::string> functions;
  for (const auto& task : tasks) {
    const std::string function_id = FunctionIdOf(task.function());
    SCOPED_TRACE(function_id);
    functions.insert(function_id);
    const Owner& owner = OwnerOf(function_id);
    EXPECT_EQ(task.owner(), owner.principal);
    EXPECT_EQ(task.state(), aln::Task::OPEN);
    EXPECT_THAT(std::vector<int>(task.areas().begin(), task.areas().end()),
                ElementsAreArray(AsInts(owner.areas)));
    EXPECT_EQ(task.trigger().event_type(), kOfferingRetargeted);
    EXPECT_EQ(task.trigger().subject(), kManagedPostgres);
    EXPECT_FALSE(task.trigger().event_id().empty());
    EXPECT_EQ(task.value_proposition(),
              "PostgreSQL that just works: running in minutes, reliability is our job.");
    EXPECT_THAT(task.rationale(), ::testing::HasSubstr("one-click customers"));
    EXPECT_EQ(task.segment(), kOneClick);
    EXPECT_EQ(task.segment_revision(), oneclick.value.revision());
    EXPECT_EQ(task.previous_segment(), kDiy);
    EXPECT_THAT(Dimensions(task.needs_before()), ElementsAreArray(Dimensions(diy.value.needs())));
    EXPECT_THAT(Dimensions(task.needs_after()),
                ElementsAreArray(Dimensions(oneclick.value.needs())));
    EXPECT_THAT(ChangesOf(task),
                UnorderedElementsAre(
                    NeedChangeTuple{"simplicity", aln::NeedChange::APPEARED, 0, type::v1::CRITICAL},
                    NeedChangeTuple{"time_to_value", aln::NeedChange::APPEARED, 0, type::v1::HIGH},
                    NeedChangeTuple{"managed_reliability", aln::NeedChange::APPEARED, 0,
                                    type::v1::CRITICAL},
                    NeedChangeTuple{"configurability", aln::NeedChange::IMPORTANCE_CHANGED,
                                    type::v1::CRITICAL, type::v1::LOW},
                    NeedChangeTuple{"operational_transparency", aln::NeedChange::DISAPPEARED,
                                    type::v1::HIGH, 0},
                    NeedChangeTuple{"replication_and_failover_control",
                                    aln::NeedChange::DISAPPEARED, type::v1::CRITICAL, 0},
                    NeedChangeTuple{"tuning", aln::NeedChange::DISAPPEARED, type::v1::HIGH, 0}));
    // Hiding knobs weakens configurability, which one-click customers rate LOW: coherent.
    EXPECT_THAT(IncoherentTitles(task), IsEmpty());
    // Organization policy: a week.
    const absl::Time due = absl::FromUnixSeconds(task.due_time().seconds());
    EXPECT_GE(due, before + absl::Hours(24 * 7) - absl::Seconds(1));
    EXPECT_LE(due, absl::Now() + absl::Hours(24 * 7) + absl::Seconds(1));
  }
  EXPECT_THAT(functions,
              UnorderedElementsAre("product", "engineering", "operations", "sales", "support"));
}

// A stored cursor its event log no longer accepts (the cursor format changed in an upgrade, or
// the log was restored from an older backup) must not stall the subscription for good: it
// reads the log again from the beginning, and the inbox keeps events from taking effect twice.
TEST_F(AlignmentTriggersTest, ARefusedStoredCursorIsReadAgainFromTheStartWithoutDuplicates) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  ASSERT_EQ(RetargetToOneClick().size(), 5u);
  alignment_server().Shutdown();
  {
    pqxx::connection connection(flags().database_url);
    pqxx::work tx(connection);
    const pqxx::result updated =
        tx.exec("UPDATE alignment.subscription_cursors SET cursor = 'ev2:not-a-position'");
    ASSERT_EQ(updated.affected_rows(), 2u) << "both subscriptions have stored a cursor";
    tx.commit();
  }
  ASSERT_NO_FATAL_FAILURE(StartAlignmentServer());

  // A retarget after the restart gets its five tasks; the first one's were not created again.
  auto back = suite().Retarget(kManagedPostgres, kDiy, "Back to the power users.");
  ASSERT_TRUE(back.ok()) << Describe(back.status);
  const auto tasks = TasksOf(kManagedPostgres, kOfferingRetargeted, 10);
  EXPECT_EQ(tasks.size(), 10u);
  EXPECT_EQ(TasksOf(kManagedPostgres, kOfferingRetargeted, 5, back.value.revision()).size(), 5u);
}

// The subscriptions' session locks (one bigint key each: objsubid 1) held in this database.
constexpr char kSubscriptionLocks[] =
    "FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())";

int SubscriptionLocks(pqxx::connection& admin) {
  return pqxx::nontransaction(admin)
      .exec1(std::string("SELECT count(*) ") + kSubscriptionLocks)[0]
      .as<int>();
}

// Ends the sessions holding the subscriptions' locks (as an administrator's
// pg_terminate_backend, an idle timeout or PostgreSQL's keepalive across a partition would),
// waits for their processes to end, and answers their process ids ("{1,2}").
std::string EndLockSessions(pqxx::connection& admin) {
  const std::string holders =
      pqxx::nontransaction(admin)
          .exec1(std::string("SELECT array_agg(pid) ") + kSubscriptionLocks)[0]
          .c_str();
  pqxx::nontransaction(admin).exec(std::string("SELECT pg_terminate_backend(pid) ") +
                                   kSubscriptionLocks);
  EXPECT_TRUE(throughline::testing::WaitFor([&] {
    return pqxx::nontransaction(admin)
               .exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])",
                             holders)[0]
               .as<int>() == 0;
  }));
  return holders;
}

// A holder whose lock session ended no longer holds the lock, and another replica may take
// it. It must notice before it writes again, not when its stream ends: here the next change's
// tasks are written by a holder that took the lock again first. The check while idle (next
// test) is pushed out of the way by an hour-long lock retry.
TEST_F(AlignmentTriggersTest, AHolderWhoseLockSessionEndedTakesTheLockAgainBeforeItsNextWrite) {
  options().subscription_lock_retry = absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(StartAlignmentServer());
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  ASSERT_TRUE(
      throughline::testing::WaitFor([&] { return alignment_server().holds_subscriptions(); }));
  pqxx::connection admin(flags().database_url);
  ASSERT_EQ(SubscriptionLocks(admin), 2);
  EndLockSessions(admin);
  ASSERT_EQ(SubscriptionLocks(admin), 0);

  ASSERT_EQ(RetargetToOneClick().size(), 5u);
  // The offering subscription wrote them, holding its lock again; the segment subscription,
  // which has had nothing to write, notices at its next write (or in an hour).
  EXPECT_EQ(SubscriptionLocks(admin), 1);
}

// A holder with nothing to write notices too, within the lock retry (a second here), so that it
// stops reporting that it holds the subscription and, as the only replica, takes the lock again
// without waiting for an event.
TEST_F(AlignmentTriggersTest, AnIdleHolderWhoseLockSessionEndedTakesTheLockAgain) {
  ASSERT_TRUE(
      throughline::testing::WaitFor([&] { return alignment_server().holds_subscriptions(); }));
  pqxx::connection admin(flags().database_url);
  ASSERT_EQ(SubscriptionLocks(admin), 2);
  const std::string ended = EndLockSessions(admin);

  ASSERT_TRUE(throughline::testing::WaitFor([&] { return SubscriptionLocks(admin) == 2; }));
  EXPECT_EQ(pqxx::nontransaction(admin)
                .exec_params1(std::string("SELECT count(*) ") + kSubscriptionLocks +
                                  " AND pid = ANY($1::int[])",
                              ended)[0]
                .as<int>(),
            0)
      << "held by new sessions";
  EXPECT_TRUE(alignment_server().holds_subscriptions());
}

TEST_F(AlignmentTriggersTest, ASegmentNeedsChangeCreatesTasksForEveryAffectedOffering) {
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  // Two offerings for the one-click customers, one for the DIY users.
  ASSERT_TRUE(suite().CreateOffering(kManagedPostgresId, ManagedPostgres(kOneClick)).ok());
  ASSERT_TRUE(suite().CreateDecision(kManagedPostgres, "hide-most-knobs", HideMostKnobs()).ok());
  ASSERT_TRUE(
      suite().CreateDecision(kManagedPostgres, "usage-based-pricing", UsageBasedPricing()).ok());
  ASSERT_TRUE(
      suite().CreateOffering("postgres-lite", ManagedPostgres(kOneClick, "PostgreSQL Lite")).ok());
  ASSERT_TRUE(suite().CreateOffering("postgres-diy", ManagedPostgres(kDiy, "PostgreSQL DIY")).ok());

  // Configurability becomes critical, cost efficiency appears, time to value disappears.
  const seg::Segment changed =
      suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                   MakeNeed("managed_reliability", type::v1::CRITICAL),
                                   MakeNeed("configurability", type::v1::CRITICAL),
                                   MakeNeed("cost_efficiency", type::v1::HIGH)});
  ASSERT_GT(changed.revision(), 1);
  const auto tasks = suite().WaitForTasks(
      [](const aln::Task& task) { return task.trigger().event_type() == kSegmentChanged; }, 10);
  ASSERT_EQ(tasks.size(), 10u);

  std::map<std::string, int> per_offering;
  for (const auto& task : tasks) {
    const std::string function_id = FunctionIdOf(task.function());
    SCOPED_TRACE(task.offering() + " " + function_id);
    ++per_offering[task.offering()];
    EXPECT_EQ(task.trigger().subject(), kOneClick);
    EXPECT_EQ(task.trigger().revision(), changed.revision());
    EXPECT_EQ(task.segment(), kOneClick);
    EXPECT_EQ(task.previous_segment(), kOneClick);
    EXPECT_EQ(task.segment_revision(), changed.revision());
    EXPECT_EQ(task.owner(), OwnerOf(function_id).principal);
    EXPECT_THAT(
        ChangesOf(task),
        UnorderedElementsAre(
            NeedChangeTuple{"configurability", aln::NeedChange::IMPORTANCE_CHANGED, type::v1::LOW,
                            type::v1::CRITICAL},
            NeedChangeTuple{"cost_efficiency", aln::NeedChange::APPEARED, 0, type::v1::HIGH},
            NeedChangeTuple{"time_to_value", aln::NeedChange::DISAPPEARED, type::v1::HIGH, 0}));
    if (task.offering() == kManagedPostgres && function_id == "engineering") {
      ASSERT_EQ(task.incoherent_decisions_size(), 1);
      const auto& incoherent = task.incoherent_decisions(0);
      EXPECT_EQ(incoherent.decision(),
                std::string(kManagedPostgres) + "/decisions/hide-most-knobs");
      EXPECT_EQ(incoherent.title(), kHideKnobsTitle);
      EXPECT_EQ(incoherent.why(), HideMostKnobs().why());
      EXPECT_EQ(incoherent.dimension(), "configurability");
      EXPECT_FALSE(incoherent.finding().empty());
    } else {
      // Sales' pricing decision supports a need: no incoherence; other functions own none.
      EXPECT_THAT(IncoherentTitles(task), IsEmpty());
    }
  }
  EXPECT_THAT(per_offering,
              ElementsAre(::testing::Pair(kManagedPostgres, 5), ::testing::Pair(kPostgresLite, 5)));
  EXPECT_THAT(CountByKey(tasks), ::testing::Each(::testing::Pair(::testing::_, 1)));

  // A second change fans out again: in one transaction, each of the ten open tasks is
  // superseded by the new task of its own offering and function.
  const seg::Segment again =
      suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                   MakeNeed("managed_reliability", type::v1::CRITICAL)});
  const auto newer = suite().WaitForTasks(
      [&](const aln::Task& task) {
        return task.trigger().subject() == kOneClick &&
               task.trigger().revision() == again.revision();
      },
      10);
  ASSERT_EQ(newer.size(), 10u);
  std::map<std::pair<std::string, std::string>, std::string> replacement;
  for (const auto& task : newer) {
    EXPECT_EQ(task.state(), aln::Task::OPEN);
    replacement[{task.offering(), task.function()}] = task.name();
  }
  for (const auto& older : tasks) {
    auto read = suite().GetTask(older.name());
    ASSERT_TRUE(read.ok()) << Describe(read.status);
    EXPECT_EQ(read.value.state(), aln::Task::SUPERSEDED) << older.name();
    EXPECT_EQ(read.value.superseded_by(), (replacement[{older.offering(), older.function()}]));
  }

  // Each supersession's event lists the fields that changed, as a comparison of the whole
  // tasks finds them (the fan-out compares only the fields a supersession sets).
  pqxx::connection connection(flags().database_url);
  pqxx::work tx(connection);
  int superseded = 0;
  for (const auto& row : tx.exec("SELECT event FROM alignment.event_log "
                                 "WHERE type = 'throughline.alignment.v1.task_changed'")) {
    io::cloudevents::v1::CloudEvent event;
    ASSERT_TRUE(event.ParseFromString(pqxx::binarystring(row[0]).str()));
    aln::TaskEventData data;
    ASSERT_TRUE(event.proto_data().UnpackTo(&data));
    if (data.after().state() != aln::Task::SUPERSEDED) continue;
    ++superseded;
    EXPECT_THAT(data.changed_paths(),
                ElementsAreArray(
                    api::ChangedPaths(data.before(), data.after(), api::AllPaths(data.after()))));
    EXPECT_THAT(data.changed_paths(), ElementsAre("state", "superseded_by", "update_time", "etag"));
  }
  EXPECT_EQ(superseded, 10);
}

// Changes in quick succession reach alignmentd together and may be written in one
// transaction (EventProcessor::WriteAll): each still gets its own tasks, and each newer change
// supersedes the tasks of the one before it, in log order.
TEST_F(AlignmentTriggersTest, ChangesInQuickSuccessionSupersedeEachOtherInOrder) {
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_TRUE(suite().CreateOffering(kManagedPostgresId, ManagedPostgres(kOneClick)).ok());

  std::vector<int64_t> revisions;
  for (auto importance : {type::v1::LOW, type::v1::MEDIUM, type::v1::HIGH, type::v1::CRITICAL}) {
    revisions.push_back(suite()
                            .SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                                  MakeNeed("configurability", importance)})
                            .revision());
  }
  const auto tasks = suite().WaitForTasks(
      [](const aln::Task& task) { return task.trigger().event_type() == kSegmentChanged; },
      5 * revisions.size());
  ASSERT_EQ(tasks.size(), 5 * revisions.size());

  std::map<std::pair<int64_t, std::string>, std::string> by_revision;  // -> task name
  for (const auto& task : tasks) {
    by_revision[{task.trigger().revision(), task.function()}] = task.name();
  }
  ASSERT_EQ(by_revision.size(), tasks.size());
  for (const auto& task : tasks) {
    SCOPED_TRACE(task.name());
    auto read = suite().GetTask(task.name());
    ASSERT_TRUE(read.ok()) << Describe(read.status);
    const int64_t revision = task.trigger().revision();
    if (revision == revisions.back()) {
      EXPECT_EQ(read.value.state(), aln::Task::OPEN);
      continue;
    }
    const int64_t next = *std::upper_bound(revisions.begin(), revisions.end(), revision);
    EXPECT_EQ(read.value.state(), aln::Task::SUPERSEDED);
    EXPECT_EQ(read.value.superseded_by(), (by_revision[{next, task.function()}]));
  }
}

TEST_F(AlignmentTriggersTest, ChangesThatLeaveNeedsAndTargetingAloneCreateNoTask) {
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_TRUE(suite().CreateOffering("postgres-lite", ManagedPostgres(kOneClick, "Lite")).ok());
  ASSERT_TRUE(suite().CreateOffering("postgres-diy", ManagedPostgres(kDiy, "DIY")).ok());

  seg::Segment renamed;
  renamed.set_name(kOneClick);
  renamed.set_display_name("One-click teams");
  renamed.set_description("Renamed after the last customer council.");
  renamed.set_priority(3);
  auto updated = suite().UpdateSegment(renamed, {"display_name", "description", "priority"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  auto name_only = suite().UpdateSegment(renamed, {"display_name"});
  ASSERT_TRUE(name_only.ok()) << Describe(name_only.status);

  // A later segment event that does trigger: the DIY users are deprioritized. Segment events
  // are processed in log order, so once its tasks exist the renames were processed too.
  seg::Segment deprioritized;
  deprioritized.set_name(kDiy);
  deprioritized.set_targeting(seg::Segment::DEPRIORITIZED);
  auto targeting = suite().UpdateSegment(deprioritized, {"targeting"});
  ASSERT_TRUE(targeting.ok()) << Describe(targeting.status);
  const auto marker = TasksOf(kPostgresDiy, kSegmentChanged, 5, targeting.value.revision());
  ASSERT_EQ(marker.size(), 5u);
  EXPECT_THAT(ChangesOf(marker[0]), IsEmpty()) << "the needs did not change, the targeting did";

  const auto all = suite().AllTasks();
  EXPECT_EQ(all.size(), 5u);
  for (const auto& task : all) EXPECT_EQ(task.trigger().subject(), kDiy) << task.name();
}

TEST_F(AlignmentTriggersTest, AValuePropositionChangeCreatesTasksButOtherOfferingChangesDoNot) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  off::Offering positioning;
  positioning.set_name(kManagedPostgres);
  positioning.set_positioning("The PostgreSQL for people who read the docs.");
  auto repositioned = suite().UpdateOffering(positioning, {"positioning"});
  ASSERT_TRUE(repositioned.ok()) << Describe(repositioned.status);

  off::Offering promise;
  promise.set_name(kManagedPostgres);
  promise.set_value_proposition("PostgreSQL you control, with failover you can rehearse.");
  auto changed = suite().UpdateOffering(promise, {"value_proposition"});
  ASSERT_TRUE(changed.ok()) << Describe(changed.status);

  const auto tasks = TasksOf(kManagedPostgres, kOfferingChanged, 5);
  ASSERT_EQ(tasks.size(), 5u);
  auto diy = suite().GetSegment(kDiy);
  ASSERT_TRUE(diy.ok());
  for (const auto& task : tasks) {
    SCOPED_TRACE(task.function());
    EXPECT_EQ(task.value_proposition(), promise.value_proposition());
    EXPECT_EQ(task.trigger().revision(), changed.value.revision());
    EXPECT_EQ(task.segment(), kDiy);
    EXPECT_EQ(task.previous_segment(), kDiy);
    EXPECT_EQ(task.segment_revision(), diy.value.revision());
    EXPECT_THAT(ChangesOf(task), IsEmpty());
    EXPECT_THAT(Dimensions(task.needs_after()), ElementsAreArray(Dimensions(diy.value.needs())));
    // Against the DIY users hiding knobs is incoherent: engineering sees it, nobody else.
    if (FunctionIdOf(task.function()) == "engineering") {
      EXPECT_THAT(IncoherentTitles(task), ElementsAre(kHideKnobsTitle));
    } else {
      EXPECT_THAT(IncoherentTitles(task), IsEmpty());
    }
  }
  // Offering events are processed in order: the positioning change was seen and made nothing.
  EXPECT_EQ(suite().AllTasks().size(), 5u);
}

}  // namespace
}  // namespace throughline::alignment::testing

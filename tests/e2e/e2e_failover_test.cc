// Exactly one set of tasks whatever happens to alignmentd: kill -9 in the middle of a fan-out
// and restart; two replicas with the subscription holder killed; the whole segment log
// replayed from the start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace throughline::e2e {
namespace {

using ::testing::Each;
using ::testing::Pair;

constexpr char kFleetMarket[] = "organizations/acme/markets/fleet";
constexpr char kHolding[] = "\"holding subscription\"";

// Many offerings over several segments: changing every segment's needs makes one event per
// segment, each fanning out to its offerings and the five functions.
class E2eFailoverTest : public E2eTest {
 protected:
  static constexpr int kSegments = 8;
  static constexpr int kOfferingsPerSegment = 3;
  static constexpr int kFunctions = 5;

  static std::string SegmentName(int i) {
    return absl::StrCat(kFleetMarket, "/segments/fleet-", i);
  }
  static std::string OfferingName(int i, int j) {
    return absl::StrCat(kAcme, "/offerings/fleet-", i, "-", j);
  }

  void CreateFleet() {
    ASSERT_TRUE(suite().CreateMarket("fleet", CloudDatabases()).ok());
    for (int i = 0; i < kSegments; ++i) {
      seg::Segment segment = DiyPowerUsers();
      segment.set_display_name(absl::StrCat("Fleet segment ", i));
      auto created = suite().CreateSegment(kFleetMarket, absl::StrCat("fleet-", i), segment);
      ASSERT_TRUE(created.ok()) << Describe(created.status);
      for (int j = 0; j < kOfferingsPerSegment; ++j) {
        auto offering = suite().CreateOffering(
            absl::StrCat("fleet-", i, "-", j),
            ManagedPostgres(SegmentName(i), absl::StrCat("Fleet offering ", i, "-", j)));
        ASSERT_TRUE(offering.ok()) << Describe(offering.status);
      }
      auto decision =
          suite().CreateDecision(OfferingName(i, 0), "hide-most-knobs", HideMostKnobs());
      ASSERT_TRUE(decision.ok()) << Describe(decision.status);
    }
  }

  // Changes every fleet segment's needs; returns the keys of the tasks that must exist once
  // each ("offering function segment@revision", as TaskCountsInDatabase names them).
  std::set<std::string> ChangeEveryFleetSegment(Importance tuning) {
    std::set<std::string> expected;
    for (int i = 0; i < kSegments; ++i) {
      seg::Segment changed = suite().SetNeeds(
          SegmentName(i), {MakeNeed("configurability", type::v1::CRITICAL),
                           MakeNeed("tuning", tuning), MakeNeed("simplicity", type::v1::HIGH)});
      for (int j = 0; j < kOfferingsPerSegment; ++j) {
        for (const auto& owner : Owners()) {
          expected.insert(absl::StrCat(OfferingName(i, j), " ", owner.function_id, " ",
                                       SegmentName(i), "@", changed.revision()));
        }
      }
    }
    return expected;
  }

  // A change of one more segment with one offering, after everything else: the segment log
  // is processed in order, so once its five tasks exist every earlier event was processed.
  void ProcessedUpToANewMarker(const std::string& marker_id) {
    const std::string segment = absl::StrCat(kFleetMarket, "/segments/", marker_id);
    ASSERT_TRUE(suite().CreateSegment(kFleetMarket, marker_id, OneClickCustomers()).ok());
    const std::string offering = absl::StrCat(kAcme, "/offerings/", marker_id);
    ASSERT_TRUE(suite().CreateOffering(marker_id, ManagedPostgres(segment)).ok());
    const int64_t revision =
        suite().SetNeeds(segment, {MakeNeed("simplicity", type::v1::CRITICAL)}).revision();
    const auto tasks = suite().WaitForTasks(
        [&](const aln::Task& task) {
          return task.offering() == offering && task.trigger().revision() == revision;
        },
        kFunctions, absl::Seconds(30));
    ASSERT_EQ(tasks.size(), static_cast<size_t>(kFunctions));
  }

  // Every expected task exists exactly once, and no other task exists for the fleet.
  void ExpectEachTaskOnce(const std::set<std::string>& expected) {
    const auto counts = TaskCountsInDatabase();
    EXPECT_THAT(counts, Each(Pair(::testing::_, 1)));
    for (const auto& key : expected) {
      const auto found = counts.find(key);
      EXPECT_TRUE(found != counts.end()) << "missing task " << key;
    }
  }
};

TEST_F(E2eFailoverTest, KillingAlignmentdMidFanOutThenRestartingCreatesEveryTaskExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(CreateFleet());

  std::set<std::string> expected;
  {
    TaskWatcher first_task(suite().alignment(), kAcmeViewer, "", FunctionName("product"));
    expected = ChangeEveryFleetSegment(type::v1::CRITICAL);
    ASSERT_EQ(expected.size(), static_cast<size_t>(kSegments * kOfferingsPerSegment * kFunctions));
    // As soon as the first task is pushed, alignmentd dies without a chance to clean up.
    ASSERT_TRUE(first_task.WaitUntil([](const auto& messages) { return !messages.empty(); }))
        << Describe(first_task.status());
    alignmentd_[0].process->Kill(SIGKILL);
  }
  const int at_kill = TaskCountInDatabase();
  std::cout << "alignmentd killed with " << at_kill << " of " << expected.size()
            << " fan-out tasks committed\n";
  RecordProperty("tasks_at_kill", at_kill);
  EXPECT_GT(at_kill, 0);

  Service restarted = StartAlignmentd("alignmentd-restarted");
  ASSERT_NE(restarted.port, 0);
  UseAlignment(restarted);
  ASSERT_NO_FATAL_FAILURE(ProcessedUpToANewMarker("after-restart"));
  ExpectEachTaskOnce(expected);
  EXPECT_EQ(TaskCountInDatabase(), static_cast<int>(expected.size()) + kFunctions);
}

TEST_F(E2eFailoverTest, WhenTheSubscriptionHolderIsKilledTheOtherReplicaTakesOverWithin5s) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  Service& first = alignmentd_[0];
  // The first replica holds both subscriptions (segment and offering events) ...
  ASSERT_TRUE(first.process->WaitForLogLines(kHolding, 2, absl::Seconds(10)))
      << first.process->Log();
  // ... the second one, started later, waits on the advisory locks.
  Service second = StartAlignmentd("alignmentd-replica");
  ASSERT_NE(second.port, 0);
  UseAlignment(second);
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(CreateFleet());
  EXPECT_EQ(second.process->CountLogLines(kHolding), 0) << "two holders at once";

  // A fan-out processed by the holder, pushed to a watcher connected to the other replica;
  // the holder dies as soon as the first task arrives.
  std::set<std::string> expected;
  absl::Time killed;
  {
    TaskWatcher watcher(suite().alignment(), kAcmeViewer, "", FunctionName("product"));
    expected = ChangeEveryFleetSegment(type::v1::CRITICAL);
    ASSERT_TRUE(watcher.WaitUntil([](const auto& messages) { return !messages.empty(); }))
        << Describe(watcher.status());
    first.process->Kill(SIGKILL);
    killed = absl::Now();
  }
  std::cout << "holder killed with " << TaskCountInDatabase() << " of " << expected.size()
            << " fan-out tasks committed\n";

  // The other replica takes over within 5 seconds ...
  ASSERT_TRUE(second.process->WaitForLogLines(kHolding, 2, absl::Seconds(5)))
      << "no takeover within 5s";
  const absl::Duration takeover = absl::Now() - killed;
  std::cout << "took over after " << absl::FormatDuration(takeover) << "\n";
  EXPECT_LE(takeover, absl::Seconds(5));

  // ... and a change made now gets its tasks within 5 s plus processing.
  const std::string segment = SegmentName(0);
  const int64_t revision = suite()
                               .SetNeeds(segment, {MakeNeed("configurability", type::v1::LOW),
                                                   MakeNeed("simplicity", type::v1::CRITICAL)})
                               .revision();
  const auto tasks = suite().WaitForTasks(
      [&](const aln::Task& task) {
        return task.trigger().subject() == segment && task.trigger().revision() == revision;
      },
      kOfferingsPerSegment * kFunctions, absl::Seconds(10));
  ASSERT_EQ(tasks.size(), static_cast<size_t>(kOfferingsPerSegment * kFunctions));
  std::cout << "tasks of a change made after the kill visible "
            << absl::FormatDuration(absl::Now() - killed) << " after it\n";
  for (int j = 0; j < kOfferingsPerSegment; ++j) {
    for (const auto& owner : Owners()) {
      expected.insert(
          absl::StrCat(OfferingName(0, j), " ", owner.function_id, " ", segment, "@", revision));
    }
  }
  ASSERT_NO_FATAL_FAILURE(ProcessedUpToANewMarker("after-takeover"));
  ExpectEachTaskOnce(expected);
  EXPECT_EQ(TaskCountInDatabase(), static_cast<int>(expected.size()) + kFunctions);
}

TEST_F(E2eFailoverTest, ReplayingTheWholeEventLogCreatesNothingNew) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceOffering());
  // Segment and offering events that made tasks: a retarget, then two needs changes.
  ASSERT_TRUE(suite().Retarget(kManagedPostgres, kOneClick, "PostgreSQL that just works.").ok());
  suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                               MakeNeed("configurability", type::v1::HIGH)});
  suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                               MakeNeed("configurability", type::v1::LOW)});
  // The two logs are read concurrently: wait for the tasks of all three triggers.
  ASSERT_EQ(suite().WaitForTasks([](const aln::Task&) { return true; }, 3 * kFunctions).size(),
            static_cast<size_t>(3 * kFunctions));
  // One resolved task: a replay must not reopen or supersede anything either.
  const auto latest = suite().AllTasks("state = OPEN");
  ASSERT_EQ(latest.size(), static_cast<size_t>(kFunctions));
  ASSERT_TRUE(suite().Resolve(latest[0].name(), SuiteClients::Reaffirmed()).ok());

  std::map<std::string, std::string> before;  // task name -> etag
  for (const auto& task : suite().AllTasks()) before[task.name()] = task.etag();
  ASSERT_EQ(before.size(), static_cast<size_t>(3 * kFunctions));
  const auto cursors = SubscriptionCursors();
  ASSERT_EQ(cursors.size(), 2u);

  // Twice: alignmentd stops, forgets where it was, and reads both logs from the start again.
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE(absl::StrCat("replay ", round));
    alignmentd_.back().process->Stop(absl::Seconds(10));
    {
      auto connection = Database();
      pqxx::work tx(connection);
      tx.exec0("UPDATE alignment.subscription_cursors SET cursor = ''");
      tx.commit();
    }
    alignmentd_.push_back(StartAlignmentd(absl::StrCat("alignmentd-replay-", round)));
    ASSERT_NE(alignmentd_.back().port, 0);
    UseAlignment(alignmentd_.back());
    // The cursors come back to where they were once every event was read again.
    ASSERT_TRUE(throughline::testing::WaitFor([&] { return SubscriptionCursors() == cursors; },
                                              absl::Seconds(20)))
        << "the replay did not reach the end of the logs";

    std::map<std::string, std::string> after;
    for (const auto& task : suite().AllTasks()) after[task.name()] = task.etag();
    EXPECT_EQ(after, before) << "a replayed event changed the tasks";
    EXPECT_THAT(TaskCountsInDatabase(), Each(Pair(::testing::_, 1)));
  }

  // Still live after the replays: a new change gets its five tasks, and only those.
  const int64_t fresh =
      suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::HIGH)}).revision();
  ASSERT_EQ(suite()
                .WaitForTasks(
                    [&](const aln::Task& t) {
                      return t.trigger().subject() == kOneClick && t.trigger().revision() == fresh;
                    },
                    kFunctions)
                .size(),
            static_cast<size_t>(kFunctions));
  EXPECT_EQ(suite().AllTasks().size(), before.size() + kFunctions);
}

}  // namespace
}  // namespace throughline::e2e

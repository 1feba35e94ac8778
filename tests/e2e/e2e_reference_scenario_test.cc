// The reference scenario of DESIGN.md §11, exactly as told, over gRPC against the three real
// binaries: five owners watching their tasks, the retarget, five tasks with the right areas
// arriving on their streams, "not aligned" until the fifth resolution, then "aligned". And
// coherence checking the functions' commitments, offeringd reading them from alignmentd.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace throughline::e2e {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kNewPromise[] =
    "PostgreSQL that just works: running in minutes, reliability is "
    "our job.";

std::vector<std::string> Dimensions(const google::protobuf::RepeatedPtrField<Need>& needs) {
  std::vector<std::string> dimensions;
  for (const auto& need : needs) dimensions.push_back(need.dimension());
  return dimensions;
}

// The functions an alignment status reports as not aligned (each with its reasons).
std::set<std::string> NotAligned(const aln::AlignmentStatus& status) {
  std::set<std::string> functions;
  for (const auto& function : status.functions()) {
    if (function.aligned()) continue;
    EXPECT_FALSE(function.reasons().empty()) << function.function();
    functions.insert(FunctionIdOf(function.function()));
  }
  return functions;
}

TEST_F(E2eTest, ReferenceScenarioFiveOwnersReceiveTheirTasksAndAlignAfterTheRetarget) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());

  // Market "Cloud databases" (COMPETE) and its two segments; every function has an owner.
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  // "Managed PostgreSQL" targets the DIY users; engineering hides most knobs.
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceOffering());
  auto diy = suite().GetSegment(kDiy);
  ASSERT_TRUE(diy.ok()) << Describe(diy.status);

  // Coherence flags the decision: it weakens the DIY users' critical configurability.
  auto coherence = suite().EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(coherence.ok()) << Describe(coherence.status);
  bool flagged = false;
  for (const auto& finding : coherence.value.findings()) {
    flagged |= finding.kind() == off::Finding::INCOHERENCE &&
               finding.resource() == std::string(kManagedPostgres) + "/decisions/hide-most-knobs" &&
               finding.dimension() == "configurability";
  }
  EXPECT_TRUE(flagged) << coherence.value.DebugString();

  // Five owners watch their tasks, each with their own token.
  std::map<std::string, std::unique_ptr<TaskWatcher>> inboxes;
  for (const auto& owner : Owners()) {
    inboxes[owner.function_id] =
        std::make_unique<TaskWatcher>(suite().alignment(), owner.token, owner.principal);
  }

  // Leadership retargets the offering to the one-click customers.
  auto retargeted = suite().Retarget(kManagedPostgres, kOneClick, kNewPromise);
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  auto oneclick = suite().GetSegment(kOneClick);
  ASSERT_TRUE(oneclick.ok()) << Describe(oneclick.status);
  auto coherence_after = suite().EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(coherence_after.ok()) << Describe(coherence_after.status);
  std::set<std::string> incoherent_after;
  for (const auto& finding : coherence_after.value.findings()) {
    if (finding.kind() == off::Finding::INCOHERENCE) incoherent_after.insert(finding.resource());
  }

  // Each owner's stream delivers exactly one task, with its areas and the why.
  std::map<std::string, aln::Task> tasks;
  for (const auto& owner : Owners()) {
    SCOPED_TRACE(owner.function_id);
    TaskWatcher& inbox = *inboxes[owner.function_id];
    ASSERT_TRUE(inbox.WaitForTask([](const aln::WatchTasksResponse& message) {
      return message.task().offering() == kManagedPostgres &&
             message.task().state() == aln::Task::OPEN;
    })) << owner.principal
        << " received no task: " << Describe(inbox.status());
    std::set<std::string> names;
    for (const auto& message : inbox.messages()) {
      names.insert(message.task().name());
      // Watchers opened before the retarget; the stream may have been set up after the tasks
      // were committed, in which case they come as the open backlog.
      EXPECT_TRUE(message.kind() == aln::WatchTasksResponse::CREATED ||
                  message.kind() == aln::WatchTasksResponse::BACKLOG)
          << message.ShortDebugString();
    }
    ASSERT_EQ(names.size(), 1u) << "one task per owner";
    const aln::Task task = inbox.messages().front().task();
    tasks[owner.function_id] = task;
    EXPECT_EQ(task.function(), owner.function());
    EXPECT_EQ(task.owner(), owner.principal);
    EXPECT_THAT(std::vector<int>(task.areas().begin(), task.areas().end()),
                ElementsAreArray(std::vector<int>(owner.areas.begin(), owner.areas.end())));
    EXPECT_EQ(task.value_proposition(), kNewPromise);
    EXPECT_EQ(task.previous_segment(), kDiy);
    EXPECT_EQ(task.segment(), kOneClick);
    EXPECT_EQ(task.segment_revision(), oneclick.value.revision());
    EXPECT_THAT(Dimensions(task.needs_before()), ElementsAreArray(Dimensions(diy.value.needs())));
    EXPECT_THAT(Dimensions(task.needs_after()),
                ElementsAreArray(Dimensions(oneclick.value.needs())));
    EXPECT_EQ(task.need_changes_size(), 7) << "3 appeared, 1 changed importance, 3 disappeared";
    // The incoherent decisions after the change, on the owning function's task only.
    for (const auto& incoherent : task.incoherent_decisions()) {
      EXPECT_EQ(owner.function_id, "engineering");
      EXPECT_TRUE(incoherent_after.contains(incoherent.decision())) << incoherent.decision();
    }
    if (owner.function_id == "engineering") {
      EXPECT_EQ(static_cast<size_t>(task.incoherent_decisions_size()), incoherent_after.size());
    }
  }
  EXPECT_EQ(suite().AllTasks().size(), 5u);

  // "Not aligned" until the fifth resolution, then "aligned".
  std::set<std::string> pending = {"product", "engineering", "operations", "sales", "support"};
  for (const auto& owner : Owners()) {
    auto status = suite().Status(kManagedPostgres);
    ASSERT_TRUE(status.ok()) << Describe(status.status);
    EXPECT_FALSE(status.value.aligned()) << status.value.summary();
    EXPECT_THAT(status.value.summary(), HasSubstr("Not aligned"));
    EXPECT_EQ(NotAligned(status.value), pending);

    auto resolved = suite().Resolve(
        tasks[owner.function_id].name(),
        SuiteClients::Reaffirmed(owner.function_id + " reviewed its areas for one-click."),
        owner.token);
    ASSERT_TRUE(resolved.ok()) << Describe(resolved.status);
    pending.erase(owner.function_id);
    // The resolution reaches the owner's stream too.
    EXPECT_TRUE(inboxes[owner.function_id]->WaitForTask([&](const aln::WatchTasksResponse& m) {
      return m.kind() == aln::WatchTasksResponse::UPDATED &&
             m.task().state() == aln::Task::RESOLVED;
    }));
  }
  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_TRUE(status.value.aligned()) << status.value.DebugString();
  EXPECT_THAT(NotAligned(status.value), IsEmpty());
  EXPECT_THAT(status.value.summary(), HasSubstr("Aligned"));
}

// The commitments' metrics through the real binaries: an offeringd that knows alignmentd's
// address reads the offering's commitments from it, and its coherence report names the metric
// tied to no need of the target segment (UNLINKED_METRIC); the suite's own offeringd, started
// before alignmentd's address was known, leaves the commitments out.
TEST_F(E2eTest, CoherenceReportsACommitmentsMetricThatServesNoNeed) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceOffering());
  aln::Commitment commitment;
  commitment.set_statement("Every knob a DBA needs is exposed and documented.");
  auto* linked = commitment.add_local_metrics();
  linked->set_name("share of postgresql.conf settings exposed");
  linked->set_dimension("configurability");
  commitment.add_local_metrics()->set_name("story points per sprint");
  auto created = suite().CreateCommitment(kManagedPostgres, "engineering", commitment);
  ASSERT_TRUE(created.ok()) << Describe(created.status);

  const Service reading =
      StartOfferingd(alignmentd_.front().address(), "offeringd-reading-commitments");
  ASSERT_NE(reading.port, 0);
  SuiteClients through_it(segmentd_.address(), reading.address(), alignmentd_.front().address());
  auto report = through_it.EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(report.ok()) << Describe(report.status);
  std::vector<off::Finding> unlinked;
  for (const auto& finding : report.value.findings()) {
    if (finding.kind() == off::Finding::UNLINKED_METRIC) unlinked.push_back(finding);
  }
  ASSERT_EQ(unlinked.size(), 1u) << report.value.DebugString();
  EXPECT_EQ(unlinked[0].resource(), created.value.name());
  EXPECT_THAT(unlinked[0].message(), HasSubstr("\"story points per sprint\""));

  auto without = suite().EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(without.ok()) << Describe(without.status);
  for (const auto& finding : without.value.findings()) {
    EXPECT_NE(finding.kind(), off::Finding::UNLINKED_METRIC) << finding.ShortDebugString();
  }
}

}  // namespace
}  // namespace throughline::e2e

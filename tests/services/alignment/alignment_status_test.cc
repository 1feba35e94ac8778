// GetAlignmentStatus ("are we aligned, and who is not yet") and PreviewSegmentChange (the
// tasks and incoherences a proposed change would create, writing nothing).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;


// The functions the status reports as not aligned, each of which must say why.
std::set<std::string> NotAligned(const aln::AlignmentStatus& status) {
  std::set<std::string> functions;
  for (const auto& function : status.functions()) {
    if (function.aligned()) {
      EXPECT_THAT(function.reasons(), IsEmpty()) << function.function();
      continue;
    }
    functions.insert(FunctionIdOf(function.function()));
    EXPECT_FALSE(function.reasons().empty()) << function.function() << " says not why";
  }
  return functions;
}

using AlignmentStatusTest = AlignmentServiceTest;

TEST_F(AlignmentStatusTest, AnOfferingIsAlignedExactlyWhenTheFifthTaskIsResolved) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  const auto tasks = RetargetToOneClick();
  ASSERT_EQ(tasks.size(), 5u);
  auto oneclick = suite().GetSegment(kOneClick);
  ASSERT_TRUE(oneclick.ok());

  std::set<std::string> pending = {"product", "engineering", "operations", "sales", "support"};
  for (const auto& owner : Owners()) {
    auto status = suite().Status(kManagedPostgres);
    ASSERT_TRUE(status.ok()) << Describe(status.status);
    EXPECT_FALSE(status.value.aligned());
    EXPECT_EQ(status.value.segment(), kOneClick);
    EXPECT_EQ(status.value.segment_revision(), oneclick.value.revision());
    EXPECT_EQ(status.value.functions_size(), 5);
    EXPECT_EQ(NotAligned(status.value), pending);
    EXPECT_THAT(status.value.summary(),
                HasSubstr(absl::StrCat("Not aligned: ", pending.size(), " of 5")));
    for (const auto& function : status.value.functions()) {
      if (function.aligned()) continue;
      EXPECT_FALSE(function.task().empty()) << function.function();
      EXPECT_THAT(function.reasons(0), HasSubstr("OPEN")) << function.function();
    }

    const aln::Task* task = TaskOfFunction(tasks, owner.function_id);
    ASSERT_NE(task, nullptr);
    auto resolved = suite().Resolve(task->name(), SuiteClients::Reaffirmed(), owner.token);
    ASSERT_TRUE(resolved.ok()) << Describe(resolved.status);
    pending.erase(owner.function_id);
  }

  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_TRUE(status.value.aligned()) << status.value.DebugString();
  EXPECT_THAT(NotAligned(status.value), IsEmpty());
  EXPECT_THAT(status.value.summary(), HasSubstr("Aligned"));
}

TEST_F(AlignmentStatusTest, AnEscalatedResolutionLeavesTheFunctionNotAligned) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  const auto tasks = RetargetToOneClick();
  for (const auto& task : tasks) {
    aln::Resolution resolution = SuiteClients::Reaffirmed();
    if (FunctionIdOf(task.function()) == "operations") {
      resolution.set_kind(aln::Resolution::ESCALATED);
      resolution.set_reason("Managed reliability needs an on-call budget we do not have.");
    }
    ASSERT_TRUE(suite().Resolve(task.name(), resolution).ok());
  }
  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_FALSE(status.value.aligned());
  EXPECT_THAT(NotAligned(status.value), ElementsAre("operations"));
  for (const auto& function : status.value.functions()) {
    if (FunctionIdOf(function.function()) != "operations") continue;
    EXPECT_THAT(function.reasons(0), HasSubstr("on-call budget"));
  }
}

TEST_F(AlignmentStatusTest, ConfirmedCommitmentsAlignAnOfferingThatHadNoTask) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_FALSE(status.value.aligned());
  EXPECT_EQ(NotAligned(status.value).size(), 5u);

  for (const auto& owner : Owners()) {
    aln::Commitment commitment;
    commitment.set_statement("We deliver control to DIY power users.");
    auto created =
        suite().CreateCommitment(kManagedPostgres, owner.function_id, commitment, owner.token);
    ASSERT_TRUE(created.ok()) << Describe(created.status);
    ASSERT_TRUE(suite().ConfirmCommitment(created.value.name(), owner.token).ok());
  }
  status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_TRUE(status.value.aligned()) << status.value.DebugString();

  // The strategy moves on: confirmations of the old target do not count.
  RetargetToOneClick();
  status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  EXPECT_FALSE(status.value.aligned());
  EXPECT_EQ(NotAligned(status.value).size(), 5u);
}

TEST_F(AlignmentStatusTest, AFunctionWithoutAnOwnerIsNotAligned) {
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceOffering());
  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  for (const auto& function : status.value.functions()) {
    EXPECT_THAT(function.reasons(), ::testing::Contains(HasSubstr("no owner")));
  }
  EXPECT_EQ(suite().Status("organizations/acme/offerings/nothing").code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AlignmentStatusTest, APreviewReturnsTheTasksAndIncoherencesAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  ASSERT_TRUE(suite().CreateOffering(kManagedPostgresId, ManagedPostgres(kOneClick)).ok());
  ASSERT_TRUE(suite().CreateDecision(kManagedPostgres, "hide-most-knobs", HideMostKnobs()).ok());
  // A first real change, so that an engineering watcher has a backlog to start from.
  const int64_t first = suite()
                            .SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                                  MakeNeed("configurability", type::v1::LOW)})
                            .revision();
  ASSERT_EQ(TasksOf(kManagedPostgres, kSegmentChanged, 5, first).size(), 5u);
  const Owner& erin = OwnerOf("engineering");
  TaskWatcher watcher(alignment(), erin.token, erin.principal);
  ASSERT_TRUE(watcher.WaitForTask([](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::BACKLOG;
  }));
  auto segment_before = suite().GetSegment(kOneClick);
  ASSERT_TRUE(segment_before.ok());

  // Proposed: configurability becomes critical.
  seg::Segment proposed;
  proposed.set_name(kOneClick);
  *proposed.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  *proposed.add_needs() = MakeNeed("configurability", type::v1::CRITICAL);
  auto preview = suite().Preview(proposed, {"needs"});
  ASSERT_TRUE(preview.ok()) << Describe(preview.status);
  ASSERT_EQ(preview.value.tasks_size(), 5);
  std::vector<std::string> functions;
  for (const auto& task : preview.value.tasks()) {
    functions.push_back(FunctionIdOf(task.function()));
    EXPECT_EQ(task.name(), "") << "not stored";
    EXPECT_EQ(task.offering(), kManagedPostgres);
    EXPECT_EQ(task.owner(), OwnerOf(FunctionIdOf(task.function())).principal);
    EXPECT_EQ(task.segment_revision(), segment_before.value.revision() + 1);
    ASSERT_EQ(task.need_changes_size(), 1);
    EXPECT_EQ(task.need_changes(0).dimension(), "configurability");
    EXPECT_EQ(task.need_changes(0).kind(), aln::NeedChange::IMPORTANCE_CHANGED);
    EXPECT_EQ(task.incoherent_decisions_size(),
              FunctionIdOf(task.function()) == "engineering" ? 1 : 0);
  }
  EXPECT_THAT(functions, UnorderedElementsAreArray(
                             {"product", "engineering", "operations", "sales", "support"}));
  ASSERT_EQ(preview.value.offerings_size(), 1);
  EXPECT_EQ(preview.value.offerings(0).offering(), kManagedPostgres);
  EXPECT_LT(preview.value.offerings(0).score_after(), 100);
  ASSERT_EQ(preview.value.offerings(0).incoherent_decisions_size(), 1);
  EXPECT_EQ(preview.value.offerings(0).incoherent_decisions(0).title(), kHideKnobsTitle);

  // A change that is no trigger previews no task.
  seg::Segment renamed;
  renamed.set_name(kOneClick);
  renamed.set_display_name("One-click teams");
  auto quiet = suite().Preview(renamed, {"display_name"});
  ASSERT_TRUE(quiet.ok()) << Describe(quiet.status);
  EXPECT_EQ(quiet.value.tasks_size(), 0);

  // Nothing was written: the segment is unchanged, no task exists, and the next event the
  // engineering owner sees is that of a real change made after the preview.
  auto segment_after = suite().GetSegment(kOneClick);
  ASSERT_TRUE(segment_after.ok());
  EXPECT_EQ(segment_after.value.revision(), segment_before.value.revision());
  EXPECT_EQ(segment_after.value.etag(), segment_before.value.etag());
  EXPECT_EQ(suite().AllTasks().size(), 5u);
  const int64_t real = suite()
                           .SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                                 MakeNeed("configurability", type::v1::HIGH)})
                           .revision();
  ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::CREATED &&
           message.task().trigger().revision() == real;
  }));
  const auto messages = watcher.messages();
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages[0].kind(), aln::WatchTasksResponse::BACKLOG);
  EXPECT_EQ(messages[1].kind(), aln::WatchTasksResponse::CREATED);
  EXPECT_EQ(messages[1].task().trigger().revision(), real);
  EXPECT_EQ(suite().AllTasks().size(), 10u);
}

// A proposal UpdateSegment would refuse gets UpdateSegment's answer, not a preview.
TEST_F(AlignmentStatusTest, APreviewOfAnInvalidProposalNamesTheFieldLikeUpdateSegment) {
  ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
  seg::Segment proposed;
  proposed.set_name(kOneClick);
  *proposed.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  *proposed.add_needs() = MakeNeed("simplicity", type::v1::LOW);
  *proposed.add_needs() = MakeNeed("Not A Dimension", type::v1::LOW);
  auto preview = suite().Preview(proposed, {"needs"});
  EXPECT_EQ(preview.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(preview.status),
              ElementsAre("segment.needs[1].dimension", "segment.needs[2].dimension"));
  // The same fields as the segment service names for the same change.
  auto update = suite().UpdateSegment(proposed, {"needs"});
  EXPECT_EQ(update.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(update.status), ViolatedFields(preview.status));

  // A field outside the mask is the stored one, which is valid: only the proposal counts.
  seg::Segment unnamed;
  unnamed.set_name(kOneClick);
  *unnamed.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  EXPECT_TRUE(suite().Preview(unnamed, {"needs"}).ok());
  EXPECT_THAT(ViolatedFields(suite().Preview(unnamed, {"display_name"}).status),
              ElementsAre("segment.display_name"));
}

TEST_F(AlignmentStatusTest, APreviewOfAnUnknownSegmentIsNotFound) {
  seg::Segment proposed;
  proposed.set_name("organizations/acme/markets/cloud-databases/segments/nobody");
  *proposed.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  EXPECT_EQ(suite().Preview(proposed, {"needs"}).code(), grpc::StatusCode::NOT_FOUND);
  auto no_mask = suite().Preview(proposed, {});
  EXPECT_EQ(no_mask.code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace throughline::alignment::testing

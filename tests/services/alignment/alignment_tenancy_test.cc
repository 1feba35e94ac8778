// Tenant isolation: another organization's token is refused on every name of acme, and sees
// nothing of acme in its own organization.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::IsEmpty;

class AlignmentTenancyTest : public AlignmentServiceTest {
 protected:
  void SetUp() override {
    AlignmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
    tasks_ = RetargetToOneClick();
    ASSERT_EQ(tasks_.size(), 5u);
  }

  std::vector<aln::Task> tasks_;
};

TEST_F(AlignmentTenancyTest, AnotherOrganizationsTokenIsRefusedOnEveryAcmeName) {
  const aln::Task& task = tasks_.front();
  const auto denied = grpc::StatusCode::PERMISSION_DENIED;
  EXPECT_EQ(suite().GetTask(task.name(), kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().ListTasks("", kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().Acknowledge(task.name(), kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().Resolve(task.name(), SuiteClients::Reaffirmed(), kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().ListFunctions(kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().GetFunction(FunctionName("engineering"), kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().Status(kManagedPostgres, kGlobexEditor).code(), denied);
  EXPECT_EQ(suite().ListCommitments(kManagedPostgres, kGlobexEditor).code(), denied);
  aln::Commitment commitment;
  commitment.set_statement("Ours now.");
  EXPECT_EQ(
      suite().CreateCommitment(kManagedPostgres, "engineering", commitment, kGlobexEditor).code(),
      denied);
  seg::Segment proposed;
  proposed.set_name(kOneClick);
  EXPECT_EQ(suite().Preview(proposed, {"needs"}, kGlobexEditor).code(), denied);

  TaskWatcher watcher(alignment(), kGlobexEditor, OwnerOf("engineering").principal);
  ASSERT_TRUE(watcher.WaitForEnd());
  EXPECT_EQ(watcher.status().error_code(), denied);
  EXPECT_THAT(watcher.messages(), IsEmpty());

  auto unchanged = suite().GetTask(task.name());
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged.value.etag(), task.etag());
}

TEST_F(AlignmentTenancyTest, AnotherOrganizationSeesOnlyItsOwnFunctionsAndTasks) {
  auto functions = suite().ListFunctions(kGlobexEditor, kGlobex);
  ASSERT_TRUE(functions.ok()) << Describe(functions.status);
  ASSERT_EQ(functions.value.functions_size(), 5);
  for (const auto& function : functions.value.functions()) {
    EXPECT_TRUE(absl::StartsWith(function.name(), "organizations/globex/functions/"))
        << function.name();
    EXPECT_EQ(function.owner(), "") << "acme's owners stay in acme";
  }
  auto tasks = suite().ListTasks("", kGlobexEditor, kGlobex);
  ASSERT_TRUE(tasks.ok()) << Describe(tasks.status);
  EXPECT_THAT(tasks.value.tasks(), IsEmpty());
}

TEST_F(AlignmentTenancyTest, AWatcherInAnotherOrganizationNeverSeesAcmesTasks) {
  // Globex has its own segment and offering; its first change gives a watcher a backlog.
  constexpr char kGlobexSegment[] = "organizations/globex/markets/cloud-databases/segments/diy";
  ASSERT_TRUE(suite().CreateMarket(kMarketId, CloudDatabases(), kGlobexEditor, kGlobex).ok());
  ASSERT_TRUE(suite()
                  .CreateSegment("organizations/globex/markets/cloud-databases", "diy",
                                 DiyPowerUsers(), kGlobexEditor)
                  .ok());
  ASSERT_TRUE(suite()
                  .CreateOffering("globex-postgres", ManagedPostgres(kGlobexSegment), kGlobexEditor,
                                  kGlobex)
                  .ok());
  auto globex_change = [&](Importance importance) {
    const int64_t revision =
        suite()
            .SetNeeds(kGlobexSegment, {MakeNeed("configurability", importance)}, kGlobexEditor)
            .revision();
    return suite().WaitForTasks(
        [&](const aln::Task& task) { return task.trigger().revision() == revision; }, 5,
        kTaskTimeout, kGlobexEditor, kGlobex);
  };
  ASSERT_EQ(globex_change(type::v1::HIGH).size(), 5u);
  // Watching the engineering function of globex (its functions have no owners).
  TaskWatcher watcher(alignment(), kGlobexEditor, "", "organizations/globex/functions/engineering",
                      "", kGlobex);
  ASSERT_TRUE(watcher.WaitForTask([](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::BACKLOG;
  })) << Describe(watcher.status());

  // Acme changes, then globex again: the stream is in log order, so once globex's second
  // task arrives, any acme task would have arrived before it.
  const int64_t acme_revision =
      suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL)}).revision();
  ASSERT_EQ(
      TasksOf(kManagedPostgres, "throughline.segment.v1.segment_changed", 5, acme_revision).size(),
      5u);
  const auto second = globex_change(type::v1::CRITICAL);
  ASSERT_EQ(second.size(), 5u);
  ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::CREATED &&
           message.task().trigger().revision() == second[0].trigger().revision();
  })) << Describe(watcher.status());
  for (const auto& message : watcher.messages()) {
    EXPECT_TRUE(absl::StartsWith(message.task().name(), "organizations/globex/"))
        << message.ShortDebugString();
  }
}

}  // namespace
}  // namespace throughline::alignment::testing

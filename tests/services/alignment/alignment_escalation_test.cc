// Overdue tasks escalate to the function's escalation owner, who sees them on WatchTasks and
// may act on them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::HasSubstr;

// An organization policy that makes every task overdue at once, and a fast sweeper.
class AlignmentEscalationTest : public AlignmentServiceTest {
 protected:
  AlignmentEscalationTest() {
    options().task_due_after = absl::Milliseconds(1);
    options().escalation_interval = absl::Milliseconds(100);
  }
};

TEST_F(AlignmentEscalationTest, AnOverdueTaskEscalatesToTheEscalationOwner) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  // The CTO watches before anything is overdue: escalations arrive as they happen.
  TaskWatcher cto(alignment(), kCtoToken, kCto);
  const auto tasks = RetargetToOneClick();
  const aln::Task* engineering = TaskOfFunction(tasks, "engineering");
  ASSERT_NE(engineering, nullptr);

  aln::Task escalated;
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] {
        auto read = suite().GetTask(engineering->name());
        escalated = read.value;
        return read.ok() && read.value.escalated();
      },
      kTaskTimeout))
      << "not escalated: " << escalated.DebugString();
  EXPECT_EQ(escalated.escalated_to(), kCto);
  EXPECT_EQ(escalated.state(), aln::Task::OPEN) << "escalation does not resolve it";
  EXPECT_EQ(escalated.owner(), OwnerOf("engineering").principal);

  // Every function's task escalated to its own escalation owner.
  ASSERT_TRUE(throughline::testing::WaitFor([&] {
    for (const auto& task : suite().AllTasks()) {
      if (!task.escalated()) return false;
    }
    return true;
  }));
  for (const auto& task : suite().AllTasks()) {
    EXPECT_EQ(task.escalated_to(), OwnerOf(FunctionIdOf(task.function())).escalation_owner)
        << task.function();
  }

  // The escalation reaches the CTO's stream, and only engineering's task does.
  ASSERT_TRUE(cto.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.task().name() == engineering->name() && message.task().escalated();
  })) << Describe(cto.status());
  for (const auto& message : cto.messages()) {
    EXPECT_EQ(message.task().escalated_to(), kCto) << message.ShortDebugString();
  }
  // A stream opened later has it in its backlog.
  TaskWatcher later(alignment(), kCtoToken, kCto);
  ASSERT_TRUE(later.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::BACKLOG &&
           message.task().name() == engineering->name();
  })) << Describe(later.status());

  auto status = suite().Status(kManagedPostgres);
  ASSERT_TRUE(status.ok()) << Describe(status.status);
  for (const auto& function : status.value.functions()) {
    ASSERT_FALSE(function.reasons().empty());
    EXPECT_THAT(function.reasons(0), HasSubstr("overdue and escalated"));
  }

  // The escalation owner may act on it; another owner may not.
  EXPECT_EQ(suite().Acknowledge(engineering->name(), OwnerOf("sales").token).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto resolved = suite().Resolve(engineering->name(), SuiteClients::Reaffirmed(), kCtoToken);
  ASSERT_TRUE(resolved.ok()) << Describe(resolved.status);
  EXPECT_EQ(resolved.value.resolution().resolved_by(), kCto);
}

}  // namespace
}  // namespace throughline::alignment::testing

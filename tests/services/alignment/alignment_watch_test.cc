// WatchTasks: an owner's (or a function's) open backlog first, then every new task and state
// change as it commits; resumable with a cursor without loss or duplicates; a watcher on one
// owner never sees another owner's tasks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;


// (task name, etag): one version of one task.
using Version = std::pair<std::string, std::string>;

Version VersionOf(const aln::WatchTasksResponse& message) {
  return {message.task().name(), message.task().etag()};
}

class AlignmentWatchTest : public AlignmentServiceTest {
 protected:
  void SetUp() override {
    AlignmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  }

  // A change of the one-click customers' needs (a new trigger for Managed PostgreSQL once it
  // targets them); returns the segment's new revision.
  int64_t ChangeOneClickNeeds(Importance time_to_value) {
    return suite()
        .SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                              MakeNeed("time_to_value", time_to_value),
                              MakeNeed("managed_reliability", type::v1::CRITICAL)})
        .revision();
  }
};

bool HasCreated(const std::vector<aln::WatchTasksResponse>& messages, int64_t revision) {
  for (const auto& message : messages) {
    if (message.kind() == aln::WatchTasksResponse::CREATED &&
        message.task().trigger().revision() == revision &&
        message.task().trigger().event_type() == kSegmentChanged) {
      return true;
    }
  }
  return false;
}

TEST_F(AlignmentWatchTest, AnOwnerGetsTheOpenBacklogThenNewTasksAndChangesAsTheyCommit) {
  const Owner& erin = OwnerOf("engineering");
  const auto first = RetargetToOneClick();
  const aln::Task* open = TaskOfFunction(first, "engineering");
  ASSERT_NE(open, nullptr);

  TaskWatcher watcher(alignment(), erin.token, erin.principal);
  ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.task().name() == open->name();
  })) << Describe(watcher.status());
  {
    const auto messages = watcher.messages();
    EXPECT_EQ(messages[0].kind(), aln::WatchTasksResponse::BACKLOG);
    EXPECT_EQ(messages[0].task().state(), aln::Task::OPEN);
    EXPECT_EQ(messages[0].task().etag(), open->etag());
    EXPECT_FALSE(messages[0].cursor().empty());
  }

  // State changes arrive as UPDATED.
  auto acknowledged = suite().Acknowledge(open->name(), erin.token);
  ASSERT_TRUE(acknowledged.ok()) << Describe(acknowledged.status);
  ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::UPDATED &&
           message.task().etag() == acknowledged.value.etag() &&
           message.task().state() == aln::Task::ACKNOWLEDGED;
  }));

  // A new trigger: the new task arrives as CREATED, the old one as UPDATED (superseded).
  const int64_t revision = ChangeOneClickNeeds(type::v1::CRITICAL);
  ASSERT_TRUE(watcher.WaitUntil([&](const auto& messages) {
    bool superseded = false;
    for (const auto& message : messages) {
      superseded |= message.kind() == aln::WatchTasksResponse::UPDATED &&
                    message.task().name() == open->name() &&
                    message.task().state() == aln::Task::SUPERSEDED;
    }
    return superseded && HasCreated(messages, revision);
  })) << Describe(watcher.status());
  EXPECT_FALSE(watcher.ended()) << Describe(watcher.status());

  int created = 0;
  for (const auto& message : watcher.messages()) {
    EXPECT_EQ(message.task().owner(), erin.principal);
    EXPECT_FALSE(message.cursor().empty());
    if (message.kind() == aln::WatchTasksResponse::CREATED) {
      ++created;
      EXPECT_EQ(message.task().trigger().revision(), revision);
      EXPECT_EQ(message.task().state(), aln::Task::OPEN);
    }
  }
  EXPECT_EQ(created, 1);
}

TEST_F(AlignmentWatchTest, AFunctionWatcherSeesTheFunctionsTasksOnly) {
  const Owner& sales = OwnerOf("sales");
  RetargetToOneClick();
  TaskWatcher watcher(alignment(), kAcmeViewer, "", sales.function());
  ASSERT_TRUE(watcher.WaitForTask([](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::BACKLOG;
  })) << Describe(watcher.status());
  const int64_t revision = ChangeOneClickNeeds(type::v1::CRITICAL);
  ASSERT_TRUE(
      watcher.WaitUntil([&](const auto& messages) { return HasCreated(messages, revision); }));
  for (const auto& message : watcher.messages()) {
    EXPECT_EQ(message.task().function(), sales.function()) << message.ShortDebugString();
  }
}

TEST_F(AlignmentWatchTest, AWatcherOnOneOwnerNeverSeesAnotherOwnersTasks) {
  const Owner& priya = OwnerOf("product");
  const Owner& omar = OwnerOf("operations");
  RetargetToOneClick();
  TaskWatcher product(alignment(), priya.token, priya.principal);
  TaskWatcher operations(alignment(), omar.token, omar.principal);
  for (TaskWatcher* watcher : {&product, &operations}) {
    ASSERT_TRUE(watcher->WaitForTask([](const aln::WatchTasksResponse& message) {
      return message.kind() == aln::WatchTasksResponse::BACKLOG;
    })) << Describe(watcher->status());
  }
  const int64_t revision = ChangeOneClickNeeds(type::v1::CRITICAL);
  for (TaskWatcher* watcher : {&product, &operations}) {
    ASSERT_TRUE(watcher->WaitUntil([&](const auto& messages) {
      return HasCreated(messages, revision) && messages.size() >= 3;
    })) << Describe(watcher->status());
  }
  // Every other owner's tasks were committed in the same transactions as these.
  for (const auto& message : product.messages()) {
    EXPECT_EQ(message.task().owner(), priya.principal) << message.ShortDebugString();
    EXPECT_EQ(message.task().function(), priya.function());
  }
  for (const auto& message : operations.messages()) {
    EXPECT_EQ(message.task().owner(), omar.principal) << message.ShortDebugString();
  }
  std::vector<std::string> what;
  for (const auto& message : product.messages()) {
    what.push_back(absl::StrCat(aln::WatchTasksResponse::Kind_Name(message.kind()), " ",
                                aln::Task::State_Name(message.task().state())));
  }
  EXPECT_THAT(what, ElementsAre("BACKLOG OPEN", "CREATED OPEN", "UPDATED SUPERSEDED"));
}

TEST_F(AlignmentWatchTest, AResumedWatchContinuesAfterItsCursorWithoutLossOrDuplicates) {
  const Owner& erin = OwnerOf("engineering");
  const auto first = RetargetToOneClick();
  const aln::Task* task = TaskOfFunction(first, "engineering");
  ASSERT_NE(task, nullptr);
  std::string cursor;
  std::set<Version> before;
  {
    TaskWatcher watcher(alignment(), erin.token, erin.principal);
    ASSERT_TRUE(watcher.WaitForTask([](const aln::WatchTasksResponse& message) {
      return message.kind() == aln::WatchTasksResponse::BACKLOG;
    })) << Describe(watcher.status());
    auto acknowledged = suite().Acknowledge(task->name(), erin.token);
    ASSERT_TRUE(acknowledged.ok()) << Describe(acknowledged.status);
    ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
      return message.task().etag() == acknowledged.value.etag();
    }));
    const auto messages = watcher.messages();
    cursor = messages.back().cursor();
    for (const auto& message : messages) before.insert(VersionOf(message));
  }

  // While nobody watches: a new task supersedes the acknowledged one and is acknowledged.
  const int64_t revision = ChangeOneClickNeeds(type::v1::CRITICAL);
  const auto second = TasksOf(kManagedPostgres, kSegmentChanged, 5, revision);
  const aln::Task* replacement = TaskOfFunction(second, "engineering");
  ASSERT_NE(replacement, nullptr);
  ASSERT_TRUE(suite().Acknowledge(replacement->name(), erin.token).ok());

  TaskWatcher resumed(alignment(), erin.token, erin.principal, "", cursor);
  ASSERT_TRUE(resumed.WaitUntil([&](const auto& messages) { return messages.size() >= 3; }))
      << Describe(resumed.status());
  // One more change after reconnecting arrives live.
  const int64_t later = ChangeOneClickNeeds(type::v1::HIGH);
  ASSERT_TRUE(resumed.WaitUntil([&](const auto& messages) {
    return HasCreated(messages, later) && messages.size() >= 5;
  })) << Describe(resumed.status());

  std::vector<std::string> what;
  std::set<Version> seen;
  for (const auto& message : resumed.messages()) {
    EXPECT_FALSE(before.contains(VersionOf(message)))
        << "sent before the cursor: " << message.ShortDebugString();
    EXPECT_TRUE(seen.insert(VersionOf(message)).second)
        << "sent twice: " << message.ShortDebugString();
    what.push_back(absl::StrCat(aln::WatchTasksResponse::Kind_Name(message.kind()), " ",
                                aln::Task::State_Name(message.task().state())));
  }
  // What happened while disconnected, in commit order, then the live change; no BACKLOG.
  EXPECT_THAT(what, ElementsAre("CREATED OPEN", "UPDATED SUPERSEDED", "UPDATED ACKNOWLEDGED",
                                "CREATED OPEN", "UPDATED SUPERSEDED"));
}

TEST_F(AlignmentWatchTest, AWatchMustNameExactlyOneOwnerOrFunctionAndAValidCursor) {
  {
    TaskWatcher both(alignment(), kAcmeViewer, "erin@acme.example", FunctionName("sales"));
    ASSERT_TRUE(both.WaitForEnd());
    EXPECT_EQ(both.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(both.status()), ElementsAre("owner"));
  }
  {
    TaskWatcher neither(alignment(), kAcmeViewer, "");
    ASSERT_TRUE(neither.WaitForEnd());
    EXPECT_EQ(neither.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    TaskWatcher bad_cursor(alignment(), kAcmeViewer, "erin@acme.example", "", "not-a-cursor");
    ASSERT_TRUE(bad_cursor.WaitForEnd());
    EXPECT_EQ(bad_cursor.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(bad_cursor.status()), ElementsAre("after_cursor"));
  }
  {
    TaskWatcher other_org(alignment(), kAcmeViewer, "", "organizations/globex/functions/sales");
    ASSERT_TRUE(other_org.WaitForEnd());
    EXPECT_EQ(other_org.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(other_org.status()), ElementsAre("function"));
  }
}

}  // namespace
}  // namespace throughline::alignment::testing

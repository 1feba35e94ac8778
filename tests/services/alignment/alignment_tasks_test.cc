// The life of a re-evaluation task: OPEN -> ACKNOWLEDGED -> RESOLVED with a resolution, etags
// and request ids, owners acting on their own tasks only, and newer triggers superseding
// older open tasks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "google/protobuf/util/message_differencer.h"
#include "libs/db/proto_json.h"
#include "pqxx/pqxx"
#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AlignmentTasksTest : public AlignmentServiceTest {
 protected:
  void SetUp() override {
    AlignmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
    tasks_ = RetargetToOneClick();
    ASSERT_EQ(tasks_.size(), 5u);
  }

  const aln::Task& TaskOf(const std::string& function_id) {
    const aln::Task* task = TaskOfFunction(tasks_, function_id);
    EXPECT_NE(task, nullptr) << function_id;
    return task != nullptr ? *task : tasks_.front();
  }

  std::vector<aln::Task> tasks_;
};

TEST_F(AlignmentTasksTest, ATaskGoesFromOpenToAcknowledgedToResolved) {
  const Owner& owner = OwnerOf("operations");
  const aln::Task& task = TaskOf("operations");
  EXPECT_EQ(task.state(), aln::Task::OPEN);
  EXPECT_EQ(task.owner(), owner.principal);

  auto acknowledged = suite().Acknowledge(task.name(), owner.token, task.etag());
  ASSERT_TRUE(acknowledged.ok()) << Describe(acknowledged.status);
  EXPECT_EQ(acknowledged.value.state(), aln::Task::ACKNOWLEDGED);
  EXPECT_NE(acknowledged.value.etag(), task.etag());

  auto resolved = suite().Resolve(task.name(), SuiteClients::Revised({kManagedPostgres}),
                                  owner.token, acknowledged.value.etag());
  ASSERT_TRUE(resolved.ok()) << Describe(resolved.status);
  EXPECT_EQ(resolved.value.state(), aln::Task::RESOLVED);
  EXPECT_EQ(resolved.value.resolution().kind(), aln::Resolution::REVISED);
  EXPECT_THAT(resolved.value.resolution().changed_resources(), ElementsAre(kManagedPostgres));
  EXPECT_EQ(resolved.value.resolution().resolved_by(), owner.principal);
  EXPECT_TRUE(resolved.value.resolution().has_resolve_time());

  auto read = suite().GetTask(task.name());
  ASSERT_TRUE(read.ok()) << Describe(read.status);
  EXPECT_EQ(read.value.state(), aln::Task::RESOLVED);
  EXPECT_EQ(read.value.etag(), resolved.value.etag());

  // An OPEN task can be resolved directly too.
  const aln::Task& support = TaskOf("support");
  auto direct =
      suite().Resolve(support.name(), SuiteClients::Reaffirmed(), OwnerOf("support").token);
  ASSERT_TRUE(direct.ok()) << Describe(direct.status);
  EXPECT_EQ(direct.value.state(), aln::Task::RESOLVED);
  EXPECT_EQ(direct.value.resolution().kind(), aln::Resolution::REAFFIRMED);
}

TEST_F(AlignmentTasksTest, AResolutionMustSayWhyOrWhatChanged) {
  const aln::Task& task = TaskOf("sales");
  aln::Resolution reaffirmed;
  reaffirmed.set_kind(aln::Resolution::REAFFIRMED);
  auto no_reason = suite().Resolve(task.name(), reaffirmed);
  EXPECT_EQ(no_reason.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(no_reason.status), ElementsAre("resolution.reason"));

  auto no_changes = suite().Resolve(task.name(), SuiteClients::Revised({}));
  EXPECT_EQ(no_changes.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(no_changes.status), ElementsAre("resolution.changed_resources"));

  auto empty_change = suite().Resolve(task.name(), SuiteClients::Revised({kManagedPostgres, ""}));
  EXPECT_EQ(empty_change.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(empty_change.status), ElementsAre("resolution.changed_resources[1]"));

  aln::Resolution escalated;
  escalated.set_kind(aln::Resolution::ESCALATED);
  auto no_escalation_reason = suite().Resolve(task.name(), escalated);
  EXPECT_EQ(no_escalation_reason.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(no_escalation_reason.status), ElementsAre("resolution.reason"));

  auto no_kind = suite().Resolve(task.name(), aln::Resolution());
  EXPECT_EQ(no_kind.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(no_kind.status), ElementsAre("resolution.kind"));

  aln::ResolveTaskRequest request;
  request.set_name(task.name());
  aln::Task ignored;
  auto context = Authorized(kAcmeEditor);
  const grpc::Status missing = alignment().ResolveTask(context.get(), request, &ignored);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(missing), ElementsAre("resolution"));

  auto still_open = suite().GetTask(task.name());
  ASSERT_TRUE(still_open.ok());
  EXPECT_EQ(still_open.value.state(), aln::Task::OPEN) << "nothing was changed";
}

TEST_F(AlignmentTasksTest, AResolvedTaskCannotBeResolvedOrAcknowledgedAgain) {
  const aln::Task& task = TaskOf("product");
  ASSERT_TRUE(suite().Resolve(task.name(), SuiteClients::Reaffirmed()).ok());
  auto again = suite().Resolve(task.name(), SuiteClients::Reaffirmed("once more"));
  EXPECT_EQ(again.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(again.status), "TASK_NOT_OPEN");
  EXPECT_EQ(suite().Acknowledge(task.name()).code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AlignmentTasksTest, AStaleEtagIsAbortedAndChangesNothing) {
  const aln::Task& task = TaskOf("engineering");
  auto acknowledged = suite().Acknowledge(task.name(), kAcmeEditor, task.etag());
  ASSERT_TRUE(acknowledged.ok()) << Describe(acknowledged.status);
  auto stale = suite().Resolve(task.name(), SuiteClients::Reaffirmed(), kAcmeEditor, task.etag());
  EXPECT_EQ(stale.code(), grpc::StatusCode::ABORTED) << Describe(stale.status);
  auto read = suite().GetTask(task.name());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value.state(), aln::Task::ACKNOWLEDGED);
  EXPECT_EQ(read.value.etag(), acknowledged.value.etag());
}

TEST_F(AlignmentTasksTest, ARepeatedRequestIdReturnsTheFirstResult) {
  const aln::Task& task = TaskOf("support");
  auto first = suite().Resolve(task.name(), SuiteClients::Reaffirmed(), kAcmeEditor, "",
                               "resolve-support-1");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  // A retry after a lost response: the same answer, not FAILED_PRECONDITION.
  auto retried = suite().Resolve(task.name(), SuiteClients::Reaffirmed(), kAcmeEditor, "",
                                 "resolve-support-1");
  ASSERT_TRUE(retried.ok()) << Describe(retried.status);
  EXPECT_EQ(retried.value.etag(), first.value.etag());
  EXPECT_EQ(retried.value.resolution().resolve_time().seconds(),
            first.value.resolution().resolve_time().seconds());

  const aln::Task& sales = TaskOf("sales");
  auto acknowledged = suite().Acknowledge(sales.name(), kAcmeEditor, "", "ack-sales-1");
  ASSERT_TRUE(acknowledged.ok()) << Describe(acknowledged.status);
  auto replayed = suite().Acknowledge(sales.name(), kAcmeEditor, "", "ack-sales-1");
  ASSERT_TRUE(replayed.ok()) << Describe(replayed.status);
  EXPECT_EQ(replayed.value.etag(), acknowledged.value.etag());
}

TEST_F(AlignmentTasksTest, AnOwnerActsOnlyOnItsOwnTasks) {
  const Owner& engineering = OwnerOf("engineering");
  const aln::Task& product = TaskOf("product");
  auto acknowledged = suite().Acknowledge(product.name(), engineering.token);
  EXPECT_EQ(acknowledged.code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ErrorReason(acknowledged.status), "NOT_THE_OWNER");
  EXPECT_EQ(suite().Resolve(product.name(), SuiteClients::Reaffirmed(), engineering.token).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A viewer acts on nothing; the owner and editors may.
  EXPECT_EQ(suite().Acknowledge(product.name(), kAcmeViewer).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto product_task = suite().GetTask(product.name());
  ASSERT_TRUE(product_task.ok());
  EXPECT_EQ(product_task.value.state(), aln::Task::OPEN);

  const aln::Task& own = TaskOf("engineering");
  auto own_acknowledged = suite().Acknowledge(own.name(), engineering.token);
  ASSERT_TRUE(own_acknowledged.ok()) << Describe(own_acknowledged.status);
  EXPECT_TRUE(suite().Resolve(own.name(), SuiteClients::Reaffirmed(), engineering.token).ok());
  EXPECT_TRUE(suite().Acknowledge(product.name(), OwnerOf("product").token).ok());
}

TEST_F(AlignmentTasksTest, ANewerTriggerSupersedesTheOlderOpenTasks) {
  // Product resolved its task already: that one stays resolved.
  const aln::Task& product = TaskOf("product");
  ASSERT_TRUE(suite().Resolve(product.name(), SuiteClients::Reaffirmed()).ok());
  const aln::Task& engineering = TaskOf("engineering");
  ASSERT_TRUE(suite().Acknowledge(engineering.name()).ok());

  // The one-click customers' needs change: a newer revision of the strategy.
  const seg::Segment changed =
      suite().SetNeeds(kOneClick, {MakeNeed("simplicity", type::v1::CRITICAL),
                                   MakeNeed("time_to_value", type::v1::CRITICAL),
                                   MakeNeed("managed_reliability", type::v1::CRITICAL)});
  const auto newer =
      TasksOf(kManagedPostgres, "throughline.segment.v1.segment_changed", 5, changed.revision());
  ASSERT_EQ(newer.size(), 5u);

  for (const auto& older : tasks_) {
    auto read = suite().GetTask(older.name());
    ASSERT_TRUE(read.ok()) << Describe(read.status);
    const aln::Task* replacement = TaskOfFunction(newer, FunctionIdOf(older.function()));
    ASSERT_NE(replacement, nullptr);
    EXPECT_EQ(replacement->state(), aln::Task::OPEN);
    if (older.name() == product.name()) {
      EXPECT_EQ(read.value.state(), aln::Task::RESOLVED);
      EXPECT_EQ(read.value.superseded_by(), "");
      continue;
    }
    EXPECT_EQ(read.value.state(), aln::Task::SUPERSEDED) << older.function();
    EXPECT_EQ(read.value.superseded_by(), replacement->name()) << older.function();
  }

  // Nobody works on stale strategy: a superseded task cannot be resolved.
  auto resolved = suite().Resolve(engineering.name(), SuiteClients::Reaffirmed());
  EXPECT_EQ(resolved.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(resolved.status.error_message(), HasSubstr("SUPERSEDED"));
  EXPECT_EQ(suite().Acknowledge(engineering.name()).code(), grpc::StatusCode::FAILED_PRECONDITION);

  // ListTasks filters by state.
  EXPECT_EQ(suite().AllTasks("state = SUPERSEDED").size(), 4u);
  EXPECT_EQ(suite().AllTasks("state = OPEN").size(), 5u);
  EXPECT_EQ(suite().AllTasks("state = RESOLVED").size(), 1u);
}

// Tasks written before migration 0002 have their JSON body and no body_pb: they are read from
// the JSON, unchanged, and their next write stores them as protobuf.
TEST_F(AlignmentTasksTest, ATaskStoredAsJsonBeforeMigration2IsReadUnchanged) {
  {
    pqxx::connection connection(flags().database_url);
    pqxx::work tx(connection);
    for (const auto& task : tasks_) {
      EXPECT_EQ(tx.exec_params0("UPDATE alignment.tasks SET body = $1::jsonb, body_pb = NULL "
                                "WHERE uid = $2::uuid",
                                db::ToJson(task), task.uid())
                    .affected_rows(),
                1u);
    }
    tx.commit();
  }
  std::map<std::string, aln::Task> listed;
  for (auto& task : suite().AllTasks()) listed[task.name()] = std::move(task);
  ASSERT_EQ(listed.size(), 5u);
  for (const auto& task : tasks_) {
    SCOPED_TRACE(task.name());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(listed[task.name()], task));
    auto read = suite().GetTask(task.name());
    ASSERT_TRUE(read.ok()) << Describe(read.status);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read.value, task));
  }

  const aln::Task& engineering = TaskOf("engineering");
  ASSERT_TRUE(suite().Acknowledge(engineering.name()).ok());
  auto read = suite().GetTask(engineering.name());
  ASSERT_TRUE(read.ok()) << Describe(read.status);
  EXPECT_EQ(read.value.state(), aln::Task::ACKNOWLEDGED);
  pqxx::connection connection(flags().database_url);
  pqxx::work tx(connection);
  const auto row = tx.exec_params1(
      "SELECT body IS NULL, body_pb IS NOT NULL FROM alignment.tasks WHERE uid = $1::uuid",
      engineering.uid());
  EXPECT_TRUE(row[0].as<bool>());
  EXPECT_TRUE(row[1].as<bool>());
}

TEST_F(AlignmentTasksTest, TriggersFromBothLogsAtOnceLeaveOneOpenTaskPerFunction) {
  // A retarget (offering log) and a change of the new target's needs (segment log) right after
  // it are processed concurrently; whichever commits last supersedes the other's tasks.
  const std::vector<std::string> targets = {kDiy, kOneClick, kDiy, kOneClick};
  for (size_t round = 0; round < targets.size(); ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string& target = targets[round];
    auto retargeted = suite().Retarget(kManagedPostgres, target, "PostgreSQL, once more.");
    ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
    const seg::Segment changed = suite().SetNeeds(
        target, {MakeNeed("simplicity", round % 2 == 0 ? type::v1::HIGH : type::v1::CRITICAL),
                 MakeNeed("configurability", type::v1::CRITICAL)});
    const auto both = suite().WaitForTasks(
        [&](const aln::Task& task) {
          return (task.trigger().subject() == kManagedPostgres &&
                  task.trigger().revision() == retargeted.value.revision()) ||
                 (task.trigger().subject() == target &&
                  task.trigger().revision() == changed.revision());
        },
        10);
    ASSERT_EQ(both.size(), 10u);
    std::map<std::string, int> unresolved;
    for (const auto& task : suite().AllTasks()) {
      if (task.state() == aln::Task::OPEN || task.state() == aln::Task::ACKNOWLEDGED) {
        ++unresolved[task.function()];
      }
    }
    EXPECT_EQ(unresolved.size(), 5u);
    for (const auto& [function, count] : unresolved) {
      EXPECT_EQ(count, 1) << function << " has " << count << " open tasks";
    }
  }
}

TEST_F(AlignmentTasksTest, ListTasksFiltersByOwnerFunctionAndOfferingAndChecksTheFilter) {
  const Owner& sales = OwnerOf("sales");
  auto by_owner = suite().AllTasks("owner = \"" + sales.principal + "\"");
  ASSERT_EQ(by_owner.size(), 1u);
  EXPECT_EQ(by_owner[0].function(), sales.function());
  auto by_function = suite().AllTasks("function = \"" + sales.function() + "\"");
  ASSERT_EQ(by_function.size(), 1u);
  EXPECT_EQ(by_function[0].name(), by_owner[0].name());
  EXPECT_EQ(suite().AllTasks(std::string("offering = \"") + kManagedPostgres + "\"").size(), 5u);

  auto bad_state = suite().ListTasks("state = DONE");
  EXPECT_EQ(bad_state.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(bad_state.status), ElementsAre("filter"));

  // Pages of two, newest first, cover the five tasks once.
  std::set<std::string> seen;
  std::string page_token;
  int pages = 0;
  do {
    auto page = suite().ListTasks("", kAcmeViewer, kAcme, 2, page_token);
    ASSERT_TRUE(page.ok()) << Describe(page.status);
    for (const auto& task : page.value.tasks()) EXPECT_TRUE(seen.insert(task.name()).second);
    page_token = page.value.next_page_token();
    ++pages;
  } while (!page_token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
}

}  // namespace
}  // namespace throughline::alignment::testing

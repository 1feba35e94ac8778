// The crash loop's checker must see every way a set of tasks can be wrong, or a passing crash
// loop proves nothing.
#include "tests/crashloop/task_check.h"

#include <gtest/gtest.h>

namespace throughline::crashloop {
namespace {

constexpr char kSegment[] = "organizations/acme/markets/m/segments/s";
constexpr char kOfferingA[] = "organizations/acme/offerings/a";
constexpr char kOfferingB[] = "organizations/acme/offerings/b";
const std::vector<std::string> kFunctions = {"product", "engineering"};

// Needs changes of one segment targeted by two offerings, revisions 2 and 3.
std::vector<Change> TwoNeedsChanges() {
  return {{Change::Kind::kSegmentNeeds, kSegment, 2, {kOfferingA, kOfferingB}},
          {Change::Kind::kSegmentNeeds, kSegment, 3, {kOfferingA, kOfferingB}}};
}

// Exactly the tasks of TwoNeedsChanges: revision 2 superseded by revision 3.
std::vector<FoundTask> ExactTasks() {
  std::vector<FoundTask> tasks;
  for (const char* offering : {kOfferingA, kOfferingB}) {
    for (const auto& function : kFunctions) {
      tasks.push_back({offering, function, kSegment, 2, "SUPERSEDED"});
      tasks.push_back({offering, function, kSegment, 3, "OPEN"});
    }
  }
  return tasks;
}

TEST(TaskCheckTest, ExactlyTheExpectedTasksPass) {
  const TaskCheck check = CheckTasks(TwoNeedsChanges(), kFunctions, ExactTasks());
  EXPECT_TRUE(check.ok()) << (check.examples.empty() ? "" : check.examples[0]);
  EXPECT_EQ(check.expected, 8);
  EXPECT_EQ(check.found, 8);
}

TEST(TaskCheckTest, AMissingTaskIsLost) {
  auto tasks = ExactTasks();
  tasks.erase(tasks.begin());
  const TaskCheck check = CheckTasks(TwoNeedsChanges(), kFunctions, tasks);
  EXPECT_EQ(check.lost, 1);
  EXPECT_FALSE(check.ok());
}

TEST(TaskCheckTest, ASecondCopyIsDuplicated) {
  auto tasks = ExactTasks();
  tasks.push_back(tasks.front());
  const TaskCheck check = CheckTasks(TwoNeedsChanges(), kFunctions, tasks);
  EXPECT_EQ(check.duplicated, 1);
  EXPECT_EQ(check.lost, 0);
  EXPECT_FALSE(check.ok());
}

TEST(TaskCheckTest, ATaskForAnUncommittedRevisionOrFunctionIsUnexpected) {
  auto tasks = ExactTasks();
  tasks.push_back({kOfferingA, "sales", kSegment, 3, "OPEN"});
  tasks.push_back({kOfferingA, "product", kSegment, 4, "OPEN"});
  const TaskCheck check = CheckTasks(TwoNeedsChanges(), kFunctions, tasks);
  EXPECT_EQ(check.unexpected, 2);
  EXPECT_FALSE(check.ok());
}

TEST(TaskCheckTest, AnOlderTaskLeftOpenViolatesSupersede) {
  auto tasks = ExactTasks();
  tasks[0].state = "OPEN";
  const TaskCheck check = CheckTasks(TwoNeedsChanges(), kFunctions, tasks);
  EXPECT_EQ(check.supersede_violations, 1);
  EXPECT_EQ(check.lost + check.duplicated + check.unexpected, 0);
  EXPECT_FALSE(check.ok());
}

}  // namespace
}  // namespace throughline::crashloop

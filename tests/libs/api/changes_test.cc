#include "libs/api/changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/struct.pb.h"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

alignment::v1::Task SomeTask() {
  alignment::v1::Task task;
  task.set_name("organizations/acme/tasks/t1");
  task.set_owner("ana@acme.example");
  task.set_state(alignment::v1::Task::OPEN);
  task.add_areas(alignment::v1::VALUE_PROPOSITION);
  auto* need = task.add_needs_before();
  need->set_dimension("configurability");
  need->set_note("every knob");
  task.mutable_due_time()->set_seconds(1'800'000'000);
  return task;
}

TEST(ChangedPathsTest, EqualMessagesHaveNoChangedPath) {
  EXPECT_THAT(ChangedPaths(SomeTask(), SomeTask(), AllPaths(SomeTask())), IsEmpty());
}

// The order given, or field-number order for AllPaths (needs_before is field 12, areas 15).
TEST(ChangedPathsTest, ReportsEachChangedFieldInTheOrderGiven) {
  const alignment::v1::Task before = SomeTask();
  alignment::v1::Task after = before;
  after.set_state(alignment::v1::Task::SUPERSEDED);
  after.set_owner("bo@acme.example");
  after.mutable_needs_before(0)->set_note("fewer knobs");
  EXPECT_THAT(ChangedPaths(before, after, {"state", "needs_before", "name", "owner"}),
              ElementsAre("state", "needs_before", "owner"));
  EXPECT_THAT(ChangedPaths(before, after, {"owner", "state"}), ElementsAre("owner", "state"));
}

TEST(ChangedPathsTest, OnlyTheGivenPathsAreCompared) {
  const alignment::v1::Task before = SomeTask();
  alignment::v1::Task after = before;
  after.set_owner("bo@acme.example");
  EXPECT_THAT(ChangedPaths(before, after, {"state", "needs_before"}), IsEmpty());
}

TEST(ChangedPathsTest, RepeatedFieldsDifferInSizeOrInAnElement) {
  const alignment::v1::Task before = SomeTask();
  alignment::v1::Task longer = before;
  longer.add_needs_before()->set_dimension("tuning");
  longer.add_areas(alignment::v1::VALUE_PROPOSITION);
  EXPECT_THAT(ChangedPaths(before, longer, AllPaths(before)), ElementsAre("needs_before", "areas"));
  alignment::v1::Task emptied = before;
  emptied.clear_needs_before();
  EXPECT_THAT(ChangedPaths(before, emptied, {"needs_before"}), ElementsAre("needs_before"));
}

// As protobuf's MessageDifferencer has it: presence alone is not a change, a value is.
TEST(ChangedPathsTest, AnEmptyMessageEqualsAnUnsetOne) {
  alignment::v1::Task before = SomeTask();
  before.clear_due_time();
  alignment::v1::Task after = before;
  after.mutable_due_time();
  EXPECT_THAT(ChangedPaths(before, after, {"due_time"}), IsEmpty());
  after.mutable_due_time()->set_nanos(1);
  EXPECT_THAT(ChangedPaths(before, after, {"due_time"}), ElementsAre("due_time"));
}

TEST(ChangedPathsTest, MapsWithTheSameEntriesAreEqualWhateverTheInsertionOrder) {
  google::protobuf::Struct before;
  google::protobuf::Struct after;
  for (int i = 0; i < 50; ++i) {
    (*before.mutable_fields())["k" + std::to_string(i)].set_number_value(i);
    (*after.mutable_fields())["k" + std::to_string(49 - i)].set_number_value(49 - i);
  }
  EXPECT_THAT(ChangedPaths(before, after, {"fields"}), IsEmpty());
  (*after.mutable_fields())["k7"].set_string_value("seven");
  EXPECT_THAT(ChangedPaths(before, after, {"fields"}), ElementsAre("fields"));
}

TEST(ChangedPathsTest, UnknownPathsAreIgnored) {
  alignment::v1::Task after = SomeTask();
  after.set_owner("bo@acme.example");
  EXPECT_THAT(ChangedPaths(SomeTask(), after, {"no_such_field", "owner"}), ElementsAre("owner"));
}

}  // namespace
}  // namespace throughline::api

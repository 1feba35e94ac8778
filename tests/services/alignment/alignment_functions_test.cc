// Functions: the five every organization has, with the areas of DESIGN.md §5, changeable;
// functions added beyond them; the defaults cannot be deleted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAre;

std::vector<int> AreasOf(const aln::Function& function) {
  return {function.areas().begin(), function.areas().end()};
}

using AlignmentFunctionsTest = AlignmentServiceTest;

TEST_F(AlignmentFunctionsTest, EveryOrganizationHasTheFiveFunctionsWithTheirDefaultAreas) {
  auto listed = suite().ListFunctions();
  ASSERT_TRUE(listed.ok()) << Describe(listed.status);
  ASSERT_EQ(listed.value.functions_size(), 5);
  for (const auto& owner : Owners()) {
    const aln::Function* found = nullptr;
    for (const auto& function : listed.value.functions()) {
      if (function.name() == owner.function()) found = &function;
    }
    ASSERT_NE(found, nullptr) << owner.function_id << " is missing";
    EXPECT_THAT(AreasOf(*found), ElementsAreArray(AsInts(owner.areas))) << owner.function_id;
    EXPECT_FALSE(found->display_name().empty());
    EXPECT_FALSE(found->uid().empty());
    EXPECT_FALSE(found->etag().empty());
  }
  auto engineering = suite().GetFunction(FunctionName("engineering"));
  ASSERT_TRUE(engineering.ok()) << Describe(engineering.status);
  EXPECT_EQ(engineering.value.display_name(), "Engineering");
}

TEST_F(AlignmentFunctionsTest, DefaultFunctionsOwnersAndAreasCanBeChangedAndNewTasksFollow) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  aln::Function engineering;
  engineering.set_name(FunctionName("engineering"));
  engineering.set_owner("eli@acme.example");
  engineering.add_areas(aln::KNOBS_AND_CONFIGURABILITY);
  engineering.add_areas(aln::RELIABILITY_EXPECTATIONS);
  auto updated = suite().UpdateFunction(engineering, {"owner", "areas"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.owner(), "eli@acme.example");
  EXPECT_THAT(AreasOf(updated.value),
              ElementsAre(aln::KNOBS_AND_CONFIGURABILITY, aln::RELIABILITY_EXPECTATIONS));
  EXPECT_EQ(updated.value.escalation_owner(), kCto) << "not in the mask: unchanged";

  auto read = suite().GetFunction(FunctionName("engineering"));
  ASSERT_TRUE(read.ok()) << Describe(read.status);
  EXPECT_EQ(read.value.etag(), updated.value.etag());
  EXPECT_THAT(AreasOf(read.value),
              ElementsAre(aln::KNOBS_AND_CONFIGURABILITY, aln::RELIABILITY_EXPECTATIONS));

  const auto tasks = RetargetToOneClick();
  const aln::Task* task = TaskOfFunction(tasks, "engineering");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->owner(), "eli@acme.example");
  EXPECT_THAT(std::vector<int>(task->areas().begin(), task->areas().end()),
              ElementsAre(aln::KNOBS_AND_CONFIGURABILITY, aln::RELIABILITY_EXPECTATIONS));
}

TEST_F(AlignmentFunctionsTest, UpdatingWithAStaleEtagIsAborted) {
  auto first = suite().GetFunction(FunctionName("sales"));
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  aln::Function change = first.value;
  change.set_owner("sofia@acme.example");
  ASSERT_TRUE(suite().UpdateFunction(change, {"owner"}).ok());
  change.set_owner("someone-else@acme.example");  // still carries the first etag
  EXPECT_EQ(suite().UpdateFunction(change, {"owner"}).code(), grpc::StatusCode::ABORTED);
}

TEST_F(AlignmentFunctionsTest, AnAddedFunctionReceivesTasksAndCanBeDeleted) {
  ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  aln::Function finance;
  finance.set_display_name("Finance");
  finance.set_owner("fiona@acme.example");
  finance.set_escalation_owner("cfo@acme.example");
  finance.add_areas(aln::PRICING_LOGIC);
  auto created = suite().CreateFunction("finance", finance, kAcmeAdmin, "create-finance-1");
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_EQ(created.value.name(), FunctionName("finance"));
  // The same request id again: the first result, not ALREADY_EXISTS.
  auto replayed = suite().CreateFunction("finance", finance, kAcmeAdmin, "create-finance-1");
  ASSERT_TRUE(replayed.ok()) << Describe(replayed.status);
  EXPECT_EQ(replayed.value.uid(), created.value.uid());
  EXPECT_EQ(suite().CreateFunction("finance", finance).code(), grpc::StatusCode::ALREADY_EXISTS);

  auto listed = suite().ListFunctions();
  ASSERT_TRUE(listed.ok()) << Describe(listed.status);
  EXPECT_EQ(listed.value.functions_size(), 6);

  auto retargeted = suite().Retarget(kManagedPostgres, kOneClick, "PostgreSQL that just works.");
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  const auto tasks = TasksOf(kManagedPostgres, "throughline.offering.v1.offering_retargeted", 6);
  ASSERT_EQ(tasks.size(), 6u);
  const aln::Task* task = TaskOfFunction(tasks, "finance");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->owner(), "fiona@acme.example");
  EXPECT_THAT(std::vector<int>(task->areas().begin(), task->areas().end()),
              ElementsAre(aln::PRICING_LOGIC));

  ASSERT_TRUE(suite().DeleteFunction(FunctionName("finance")).ok());
  EXPECT_EQ(suite().GetFunction(FunctionName("finance")).code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AlignmentFunctionsTest, TheFiveDefaultFunctionsCannotBeDeleted) {
  for (const auto& owner : Owners()) {
    const grpc::Status deleted = suite().DeleteFunction(owner.function());
    EXPECT_EQ(deleted.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << owner.function_id << ": " << Describe(deleted);
    EXPECT_EQ(ErrorReason(deleted), "DEFAULT_FUNCTION");
  }
  auto listed = suite().ListFunctions();
  ASSERT_TRUE(listed.ok()) << Describe(listed.status);
  EXPECT_EQ(listed.value.functions_size(), 5);
}

TEST_F(AlignmentFunctionsTest, OnlyAdminsChangeFunctions) {
  aln::Function function;
  function.set_name(FunctionName("support"));
  function.set_owner("mallory@acme.example");
  EXPECT_EQ(suite().UpdateFunction(function, {"owner"}, kAcmeEditor).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(suite().UpdateFunction(function, {"owner"}, OwnerOf("support").token).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(suite().CreateFunction("legal", aln::Function(), kAcmeEditor).code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AlignmentFunctionsTest, InvalidFunctionsNameTheFieldsAtFault) {
  aln::Function function;
  function.add_areas(aln::PRICING_LOGIC);
  function.add_areas(aln::AREA_UNSPECIFIED);
  function.add_areas(aln::PRICING_LOGIC);
  function.set_owner(std::string(1000, 'o'));
  auto created = suite().CreateFunction("finance", function);
  EXPECT_EQ(created.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(created.status),
              UnorderedElementsAre("function.owner", "function.areas[1]", "function.areas[2]"));

  auto no_id = suite().CreateFunction("", aln::Function());
  EXPECT_EQ(no_id.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(no_id.status), ElementsAre("function_id"));

  auto bad_id = suite().CreateFunction("Not An Id!", aln::Function());
  EXPECT_EQ(bad_id.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(bad_id.status), ElementsAre("function_id"));

  aln::Function update;
  update.set_name(FunctionName("engineering"));
  update.add_areas(aln::AREA_UNSPECIFIED);
  auto updated = suite().UpdateFunction(update, {"areas"});
  EXPECT_EQ(updated.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(updated.status), ElementsAre("function.areas[0]"));

  auto unknown_path = suite().UpdateFunction(update, {"uid"});
  EXPECT_EQ(unknown_path.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(unknown_path.status), ElementsAre("update_mask.paths[0]"));
}

}  // namespace
}  // namespace throughline::alignment::testing

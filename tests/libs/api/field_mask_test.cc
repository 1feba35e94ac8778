#include "libs/api/field_mask.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/libs/api/violations.h"

namespace throughline::api {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::throughline::api::testing::FieldViolationsOf;

const std::vector<std::string> kUpdatable = {"display_name", "description", "needs"};

google::protobuf::FieldMask Mask(std::initializer_list<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

TEST(UpdateMaskTest, NamedPathsAreResolved) {
  absl::StatusOr<std::set<std::string>> paths =
      ResolveUpdateMask(Mask({"needs", "display_name"}), kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("display_name", "needs"));
}

TEST(UpdateMaskTest, RepeatedPathCountsOnce) {
  absl::StatusOr<std::set<std::string>> paths =
      ResolveUpdateMask(Mask({"needs", "needs"}), kUpdatable);
  ASSERT_TRUE(paths.ok());
  EXPECT_THAT(*paths, ElementsAre("needs"));
}

TEST(UpdateMaskTest, StarMeansEveryUpdatablePath) {
  absl::StatusOr<std::set<std::string>> paths = ResolveUpdateMask(Mask({"*"}), kUpdatable);
  ASSERT_TRUE(paths.ok());
  EXPECT_THAT(*paths, ElementsAre("description", "display_name", "needs"));
}

TEST(UpdateMaskTest, EmptyMaskIsRequired) {
  absl::StatusOr<std::set<std::string>> paths = ResolveUpdateMask(Mask({}), kUpdatable);
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(paths.status()),
              ElementsAre(Pair("update_mask",
                               "update_mask is required: name the fields to change, or \"*\" "
                               "for all")));
}

TEST(UpdateMaskTest, StarWithOtherPathsIsRejected) {
  absl::StatusOr<std::set<std::string>> paths = ResolveUpdateMask(Mask({"needs", "*"}), kUpdatable);
  EXPECT_THAT(FieldViolationsOf(paths.status()),
              ElementsAre(Pair("update_mask.paths[1]",
                               "\"*\" must be the only path: it already names every field")));
}

TEST(UpdateMaskTest, EveryBadPathIsReportedWithTheUpdatableFields) {
  absl::StatusOr<std::set<std::string>> paths =
      ResolveUpdateMask(Mask({"name", "needs", "create_time", ""}), kUpdatable);
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      FieldViolationsOf(paths.status()),
      ElementsAre(Pair("update_mask.paths[0]",
                       "\"name\" cannot be updated; updatable fields: display_name, description, "
                       "needs"),
                  Pair("update_mask.paths[2]",
                       "\"create_time\" cannot be updated; updatable fields: display_name, "
                       "description, needs"),
                  Pair("update_mask.paths[3]",
                       "\"\" cannot be updated; updatable fields: display_name, description, "
                       "needs")));
}

}  // namespace
}  // namespace throughline::api

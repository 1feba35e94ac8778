#include "tools/cli/names.h"

#include <gtest/gtest.h>

namespace throughline::cli {
namespace {

TEST(CliNamesTest, BareIdsArePlacedIntoThePattern) {
  const Names names("demo");
  EXPECT_EQ(names.Resolve(kMarketName, "cloud-databases"),
            "organizations/demo/markets/cloud-databases");
  EXPECT_EQ(names.Resolve(kSegmentName, "cloud-databases/diy-power-users"),
            "organizations/demo/markets/cloud-databases/segments/diy-power-users");
  EXPECT_EQ(names.Resolve(kCommitmentName, "managed-postgresql/engineering"),
            "organizations/demo/offerings/managed-postgresql/commitments/engineering");
}

TEST(CliNamesTest, NamesRelativeToTheOrganizationGetItInFront) {
  const Names names("demo");
  EXPECT_EQ(names.Resolve(kSegmentName, "markets/cloud-databases/segments/diy-power-users"),
            "organizations/demo/markets/cloud-databases/segments/diy-power-users");
  EXPECT_EQ(names.Resolve(kTaskName, "tasks/1234"), "organizations/demo/tasks/1234");
}

TEST(CliNamesTest, FullNamesAreKept) {
  const Names names("demo");
  EXPECT_EQ(names.Resolve(kMarketName, "organizations/acme/markets/dach"),
            "organizations/acme/markets/dach");
}

TEST(CliNamesTest, NamesOfTheWrongShapeArePassedOnForTheServerToExplain) {
  const Names names("demo");
  EXPECT_EQ(names.Resolve(kSegmentName, "diy-power-users"), "organizations/demo/diy-power-users");
  EXPECT_EQ(names.Resolve(kMarketName, ""), "");
}

TEST(CliNamesTest, OrganizationMayBeAnIdOrAName) {
  EXPECT_EQ(Names("acme").Organization(), "organizations/acme");
  EXPECT_EQ(Names("organizations/acme").Organization(), "organizations/acme");
}

TEST(CliNamesTest, QualifyPrefixesAnyRelativeName) {
  const Names names("demo");
  EXPECT_EQ(names.Qualify("offerings/managed-postgresql/decisions/expose-knobs"),
            "organizations/demo/offerings/managed-postgresql/decisions/expose-knobs");
  EXPECT_EQ(names.Qualify("organizations/demo/offerings/x"), "organizations/demo/offerings/x");
}

TEST(CliNamesTest, RelativeStripsOnlyTheOwnOrganization) {
  const Names names("demo");
  EXPECT_EQ(names.Relative("organizations/demo/markets/cloud-databases"),
            "markets/cloud-databases");
  EXPECT_EQ(names.Relative("organizations/acme/markets/dach"), "organizations/acme/markets/dach");
  EXPECT_EQ(names.Relative("organizations/demonstration/markets/x"),
            "organizations/demonstration/markets/x");
}

}  // namespace
}  // namespace throughline::cli

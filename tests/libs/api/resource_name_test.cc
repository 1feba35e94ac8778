#include "libs/api/resource_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/random/random.h"
#include "libs/api/resources.h"
#include "tests/libs/api/violations.h"

namespace throughline::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::throughline::api::testing::FieldViolationsOf;

constexpr std::string_view kMarketPattern = "organizations/{organization}/markets/{market}";

std::string OnlyDescription(const absl::Status& status) {
  auto violations = FieldViolationsOf(status);
  EXPECT_EQ(violations.size(), 1u) << status;
  return violations.empty() ? "" : violations[0].second;
}

TEST(ResourceIdTest, ValidIdsAreAccepted) {
  const std::vector<std::string> ids = {
      "a",
      "acme",
      "acme-corp",
      "a1",
      "dach-2024",
      "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz"};  // 63 characters
  for (const std::string& id : ids) {
    EXPECT_TRUE(ValidateResourceId(id, "market_id").ok()) << id;
    EXPECT_FALSE(DescribeInvalidResourceId(id).has_value()) << id;
  }
}

TEST(ResourceIdTest, GeneratedIdsCanBeUsedInNames) {
  absl::BitGen random;
  for (int i = 0; i < 200; ++i) {
    auto id = NewResourceId("", "market_id", random);
    ASSERT_TRUE(id.ok()) << id.status();
    auto ids = ParseName(kMarketPattern, "organizations/acme/markets/" + *id, "name");
    ASSERT_TRUE(ids.ok()) << *id << ": " << ids.status();
    EXPECT_EQ((*ids)[1], *id);
  }
}

TEST(ResourceIdTest, EmptyIdIsRequired) {
  absl::Status status = ValidateResourceId("", "market_id");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto violations = FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "market_id");
  EXPECT_THAT(violations[0].second, HasSubstr("market_id is required"));
}

TEST(ResourceIdTest, EachInvalidShapeIsExplained) {
  struct Case {
    std::string id;
    std::string why;
  };
  const Case cases[] = {
      {std::string(64, 'a'), "is 64 characters long; at most 63 are allowed"},
      {"1acme", "must start with a lowercase letter"},
      {"-acme", "must start with a lowercase letter"},
      {"Acme", "must start with a lowercase letter (IDs are lowercase)"},
      {"acMe", "contains uppercase \"M\" at character 3"},
      {"ac_me", "contains \"_\" at character 3"},
      {"ac.me", "contains \".\" at character 3"},
      {"ac me", "contains \" \" at character 3"},
      {"caf\xc3\xa9", "contains \"\xc3\xa9\" at character 4"},
      {"caf\xff", "contains \"\\xff\" at character 4"},
      {"acme-", "must not end with '-'"},
  };
  for (const Case& c : cases) {
    absl::Status status = ValidateResourceId(c.id, "segment_id");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.id;
    auto violations = FieldViolationsOf(status);
    ASSERT_EQ(violations.size(), 1u) << c.id;
    EXPECT_EQ(violations[0].first, "segment_id");
    EXPECT_THAT(violations[0].second, HasSubstr(c.why)) << c.id;
    EXPECT_THAT(violations[0].second, HasSubstr(kResourceIdRules)) << c.id;
  }
}

TEST(ParseNameTest, ValidNameYieldsTheIdsInOrder) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName(kMarketPattern, "organizations/acme/markets/dach", "name");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ElementsAre("acme", "dach"));
}

TEST(ParseNameTest, PatternWithoutVariablesMatchesExactly) {
  absl::StatusOr<std::vector<std::string>> ids = ParseName("settings", "settings", "name");
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

TEST(ParseNameTest, EmptyNameIsRequired) {
  absl::StatusOr<std::vector<std::string>> ids = ParseName(kMarketPattern, "", "parent");
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(ids.status()), ElementsAre(Pair("parent", "parent is required")));
}

TEST(ParseNameTest, NameOfAnotherShapeShowsTheExpectedPattern) {
  for (std::string_view name :
       {"organizations/acme", "organizations/acme/markets/dach/segments/s",
        "organizations/acme/segments/dach", "orgs/acme/markets/dach", "organizations/acme/markets/",
        "/organizations/acme/markets/dach", "organizations/acme/markets/dach/", "acme"}) {
    absl::StatusOr<std::vector<std::string>> ids = ParseName(kMarketPattern, name, "name");
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument) << name;
    if (name == "organizations/acme/markets/") {
      // Right shape, empty ID: the ID is what is wrong.
      EXPECT_THAT(OnlyDescription(ids.status()), HasSubstr("must not be empty"));
      continue;
    }
    EXPECT_THAT(FieldViolationsOf(ids.status()),
                ElementsAre(Pair("name",
                                 "expected \"organizations/{organization}/markets/{market}\", "
                                 "got \"" +
                                     std::string(name) + "\"")))
        << name;
  }
}

TEST(ParseNameTest, InvalidIdSaysWhichVariableAndWhy) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName(kMarketPattern, "organizations/acme/markets/DACH", "name");
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(OnlyDescription(ids.status()),
              HasSubstr("market ID \"DACH\" in \"organizations/acme/markets/DACH\" is not valid: "
                        "it must start with a lowercase letter"));
}

TEST(ParseNameTest, EveryInvalidIdIsReported) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName(kMarketPattern, "organizations/Acme/markets/da_ch", "name");
  auto violations = FieldViolationsOf(ids.status());
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_THAT(violations[0].second, HasSubstr("organization ID \"Acme\""));
  EXPECT_THAT(violations[1].second, HasSubstr("market ID \"da_ch\""));
}

TEST(ParseNameTest, WildcardIsAcceptedOnlyWhenAllowed) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName(kMarketPattern, "organizations/acme/markets/-", "parent", true);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ElementsAre("acme", "-"));

  absl::StatusOr<std::vector<std::string>> rejected =
      ParseName(kMarketPattern, "organizations/acme/markets/-", "parent");
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(OnlyDescription(rejected.status()),
              HasSubstr("the wildcard \"-\" is not allowed for the market"));
}

TEST(ParseNameTest, WildcardMustBeTheWholeId) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName(kMarketPattern, "organizations/acme/markets/-x", "parent", true);
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseNameTest, MultiWordVariablesAreNamedInWords) {
  absl::StatusOr<std::vector<std::string>> ids =
      ParseName("organizations/{organization}/market_groups/{market_group}",
                "organizations/acme/market_groups/X", "name");
  EXPECT_THAT(OnlyDescription(ids.status()), HasSubstr("market group ID \"X\""));
}

TEST(OrganizationNameTest, PrefixesTheCollection) {
  EXPECT_EQ(OrganizationName("acme"), "organizations/acme");
}

TEST(ResourceNameTest, IdOfIsTheLastSegment) {
  EXPECT_EQ(IdOf("organizations/acme/functions/engineering"), "engineering");
  EXPECT_EQ(IdOf("organizations/acme"), "acme");
  EXPECT_EQ(IdOf("no-slash"), "no-slash");
}

}  // namespace
}  // namespace throughline::api

// Flags and --json become resources and update masks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "throughline/offering/v1/offering_service.pb.h"
#include "throughline/segment/v1/segment_service.pb.h"
#include "tools/cli/json_input.h"
#include "tools/cli/resource_input.h"
#include "tools/cli/standard_methods.h"

namespace throughline::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace seg = throughline::segment::v1;
namespace off = throughline::offering::v1;

const std::vector<FieldFlag> kSegmentFlags = {
    {"--display-name", "display_name", "name"},
    {"--description", "description", "who"},
    {"--need", "needs", "a need"},
    {"--targeting", "targeting", "targeting"},
    {"--priority", "priority", "rank"},
};
const std::vector<std::string> kSegmentUpdatable = {"display_name", "description", "needs",
                                                    "targeting", "priority"};

// Parses `args` as CLI11 does for the real command line (after SeparateJsonInput).
void Parse(CLI::App& app, std::vector<std::string> args) {
  args = SeparateJsonInput(args);
  std::reverse(args.begin(), args.end());
  app.parse(args);
}

std::vector<std::string> Paths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

TEST(CliFieldFlagsTest, FlagsSetTheFieldsOfTheResource) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--display-name", "DIY power users", "--need", "configurability=CRITICAL:deep",
              "--need", "tuning=high", "--targeting", "targeted", "--priority", "2"});
  seg::Segment segment;
  ASSERT_TRUE(input.Build(Names("demo"), segment).ok());
  EXPECT_EQ(segment.display_name(), "DIY power users");
  ASSERT_EQ(segment.needs_size(), 2);
  EXPECT_EQ(segment.needs(0).dimension(), "configurability");
  EXPECT_EQ(segment.needs(0).note(), "deep");
  EXPECT_EQ(segment.needs(1).importance(), type::v1::HIGH);
  EXPECT_EQ(segment.targeting(), seg::Segment::TARGETED);
  EXPECT_EQ(segment.priority(), 2);
}

TEST(CliFieldFlagsTest, TheUpdateMaskNamesExactlyTheFieldsGiven) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--priority", "3", "--need", "simplicity=CRITICAL"});
  seg::Segment segment;
  ASSERT_TRUE(input.Build(Names("demo"), segment).ok());
  EXPECT_THAT(Paths(input.UpdateMask(kSegmentUpdatable)), ElementsAre("needs", "priority"));
}

TEST(CliFieldFlagsTest, JsonGivesTheFieldsFlagsDoNotCoverAndFlagsOverrideIt) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--json", R"({"description": "Advanced users", "priority": 7, "uid": "x"})",
              "--priority", "1"});
  seg::Segment segment;
  ASSERT_TRUE(input.Build(Names("demo"), segment).ok());
  EXPECT_EQ(segment.description(), "Advanced users");
  EXPECT_EQ(segment.priority(), 1);
  // uid is output only: not part of an update.
  EXPECT_THAT(Paths(input.UpdateMask(kSegmentUpdatable)), ElementsAre("description", "priority"));
}

TEST(CliFieldFlagsTest, JsonCanClearAFieldOfAnUpdate) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--json={\"needs\": [], \"display_name\": \"x\"}"});
  seg::Segment segment;
  ASSERT_TRUE(input.Build(Names("demo"), segment).ok());
  EXPECT_THAT(Paths(input.UpdateMask(kSegmentUpdatable)), ElementsAre("display_name", "needs"));
}

TEST(CliFieldFlagsTest, JsonThatDoesNotFitTheResourceIsAUsageError) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--json", R"({"colour": "blue"})"});
  seg::Segment segment;
  const absl::Status status = input.Build(Names("demo"), segment);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("not a Segment"));
}

TEST(CliFieldFlagsTest, ABadValueNamesItsFlag) {
  CLI::App app;
  ResourceInput input(app, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"--priority", "first"});
  seg::Segment segment;
  EXPECT_THAT(input.Build(Names("demo"), segment).message(),
              HasSubstr("--priority: \"first\" is not a number"));
}

TEST(CliFieldFlagsTest, NameFlagsAcceptRelativeNames) {
  CLI::App app;
  ResourceInput input(app, *off::Offering::descriptor(),
                      {{"--target-segment", "target_segment", "segment", &kSegmentName}});
  Parse(app, {"--target-segment", "cloud-databases/one-click-customers"});
  off::Offering offering;
  ASSERT_TRUE(input.Build(Names("demo"), offering).ok());
  EXPECT_EQ(offering.target_segment(),
            "organizations/demo/markets/cloud-databases/segments/one-click-customers");
}

TEST(CliFieldFlagsTest, AnUpdateRequestCarriesTheNameEtagAndMask) {
  CLI::App app;
  auto* command = app.add_subcommand("update");
  auto args = AddUpdateArgs(command, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app,
        {"update", "cloud-databases/diy-power-users", "--etag", "e1", "--targeting", "CANDIDATE"});
  seg::UpdateSegmentRequest request;
  ASSERT_TRUE(
      BuildUpdateRequest(Names("demo"), kSegmentName, *args, kSegmentUpdatable, request).ok());
  EXPECT_EQ(request.segment().name(),
            "organizations/demo/markets/cloud-databases/segments/diy-power-users");
  EXPECT_EQ(request.segment().etag(), "e1");
  EXPECT_EQ(request.segment().targeting(), seg::Segment::CANDIDATE);
  EXPECT_THAT(Paths(request.update_mask()), ElementsAre("targeting"));
}

TEST(CliFieldFlagsTest, AnUpdateWithoutFieldsIsAUsageError) {
  CLI::App app;
  auto* command = app.add_subcommand("update");
  auto args = AddUpdateArgs(command, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"update", "cloud-databases/diy-power-users"});
  seg::UpdateSegmentRequest request;
  EXPECT_THAT(
      BuildUpdateRequest(Names("demo"), kSegmentName, *args, kSegmentUpdatable, request).message(),
      HasSubstr("nothing to update"));
}

TEST(CliFieldFlagsTest, ACreateRequestCarriesParentIdAndRequestId) {
  CLI::App app;
  auto* command = app.add_subcommand("create");
  auto args = AddCreateArgs(command, *seg::Segment::descriptor(), kSegmentFlags);
  Parse(app, {"create", "--id", "diy-power-users", "--request-id", "r1", "--display-name", "DIY"});
  seg::CreateSegmentRequest request;
  ASSERT_TRUE(
      BuildCreateRequest(Names("demo"), "organizations/demo/markets/m", *args, request).ok());
  EXPECT_EQ(request.parent(), "organizations/demo/markets/m");
  EXPECT_EQ(request.segment_id(), "diy-power-users");
  EXPECT_EQ(request.request_id(), "r1");
  EXPECT_EQ(request.segment().display_name(), "DIY");
}

TEST(CliFilterTest, FilterFlagsBecomeQuotedTermsJoinedByAnd) {
  std::string filter;
  AddFilterTerm(filter, "owner", "erin \"e\"@acme.example");
  AddFilterTerm(filter, "offering", "");
  AddFilterTerm(filter, "state", "OPEN", /*bare=*/true);
  EXPECT_EQ(filter, R"(owner = "erin \"e\"@acme.example" AND state = OPEN)");
}

TEST(CliJsonInputTest, OnlyJsonValuesAreTakenAsInput) {
  EXPECT_THAT(SeparateJsonInput({"markets", "get", "--json", "cloud-databases"}),
              ElementsAre("markets", "get", "--json", "cloud-databases"));
  EXPECT_THAT(SeparateJsonInput({"--json", "{\"a\": 1}", "--json"}),
              ElementsAre("--json-input", "{\"a\": 1}", "--json"));
  EXPECT_THAT(SeparateJsonInput({"--json=@market.json"}),
              ElementsAre("--json-input", "@market.json"));
}

}  // namespace
}  // namespace throughline::cli

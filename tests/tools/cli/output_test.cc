// Tables, key/value blocks and JSON as a person or a script reads them.
#include "tools/cli/output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "throughline/segment/v1/resources.pb.h"
#include "tools/cli/describe.h"
#include "tools/cli/table.h"

namespace throughline::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace seg = throughline::segment::v1;

seg::Segment DiyPowerUsers() {
  seg::Segment segment;
  segment.set_name("organizations/demo/markets/cloud-databases/segments/diy-power-users");
  segment.set_display_name("DIY power users");
  segment.set_targeting(seg::Segment::TARGETED);
  segment.set_revision(2);
  auto* need = segment.add_needs();
  need->set_dimension("configurability");
  need->set_importance(type::v1::CRITICAL);
  need->set_note("deep control");
  segment.mutable_update_time()->set_seconds(1714564800);  // 2024-05-01T12:00:00Z
  return segment;
}

TEST(CliTableTest, ColumnsArePaddedToTheirWidestCell) {
  Table table({"NAME", "DECISION"});
  table.AddRow({"markets/cloud-databases", "COMPETE"});
  table.AddRow({"markets/edge", "WATCH"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "NAME                     DECISION\n"
            "markets/cloud-databases  COMPETE\n"
            "markets/edge             WATCH\n");
}

TEST(CliTableTest, LongCellsAreCutAndStayOnOneLine) {
  Table table({"WHY"});
  table.AddRow({std::string(100, 'x') + "\nmore"});
  std::ostringstream out;
  table.Print(out);
  const std::string row = out.str().substr(out.str().find('\n') + 1);
  EXPECT_EQ(row, std::string(Table::kMaxCellWidth - 1, 'x') + "…\n");
}

TEST(CliTableTest, WidthsCountCharactersNotBytes) {
  EXPECT_EQ(DisplayWidth("Größe"), 5u);
  EXPECT_EQ(FitCell("Größenwahn", 4), "Grö…");
}

TEST(CliDescribeTest, AResourceIsAKeyValueBlockWithNestedListsIndented) {
  EXPECT_EQ(Describe(DiyPowerUsers()),
            "name:          organizations/demo/markets/cloud-databases/segments/diy-power-users\n"
            "display_name:  DIY power users\n"
            "needs:\n"
            "  - configurability=CRITICAL:deep control\n"
            "targeting:     TARGETED\n"
            "revision:      2\n"
            "update_time:   2024-05-01T12:00:00Z\n");
}

TEST(CliDescribeTest, FieldTextShowsEnumsTimesAndListsOnOneLine) {
  const seg::Segment segment = DiyPowerUsers();
  EXPECT_EQ(FieldText(segment, "targeting"), "TARGETED");
  EXPECT_EQ(FieldText(segment, "update_time"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(FieldText(segment, "needs"), "configurability=CRITICAL:deep control");
  EXPECT_EQ(FieldText(segment, "priority"), "");
  EXPECT_EQ(FieldText(segment, "no_such_field"), "");
}

TEST(CliOutputTest, AListIsATableWithTheResourcesColumns) {
  std::ostringstream out, err;
  Output output(out, err);
  output.SetColumns(*seg::Segment::descriptor(), {FieldColumn("DISPLAY NAME", "display_name"),
                                                  FieldColumn("TARGETING", "targeting")});
  const seg::Segment segment = DiyPowerUsers();
  output.PrintList(*seg::Segment::descriptor(), "segments", {&segment});
  EXPECT_EQ(out.str(),
            "DISPLAY NAME     TARGETING\n"
            "DIY power users  TARGETED\n");
}

TEST(CliOutputTest, AnEmptyListSaysSoOnStderr) {
  std::ostringstream out, err;
  Output output(out, err);
  output.PrintList(*seg::Segment::descriptor(), "segments", {});
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "no segments\n");
}

TEST(CliOutputTest, JsonListsHaveOneObjectPerLine) {
  std::ostringstream out, err;
  Output output(out, err);
  output.set_format(Format::kJson);
  const seg::Segment segment = DiyPowerUsers();
  output.PrintList(*seg::Segment::descriptor(), "segments", {&segment, &segment});
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_THAT(text, HasSubstr(R"("displayName":"DIY power users")"));
  EXPECT_THAT(text, HasSubstr(R"("targeting":"TARGETED")"));
}

TEST(CliOutputTest, AJsonResultIsOneIndentedObject) {
  std::ostringstream out, err;
  Output output(out, err);
  output.set_format(Format::kJson);
  output.Print(DiyPowerUsers());
  EXPECT_THAT(out.str(), ::testing::StartsWith("{\n"));
  EXPECT_THAT(out.str(), HasSubstr("\n \"displayName\": \"DIY power users\",\n"));
  EXPECT_THAT(out.str(), ::testing::EndsWith("}\n"));
  EXPECT_THAT(out.str(), Not(::testing::EndsWith("\n\n")));
}

}  // namespace
}  // namespace throughline::cli

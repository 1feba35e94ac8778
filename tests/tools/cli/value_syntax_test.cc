#include "tools/cli/value_syntax.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"
#include "throughline/type/v1/need.pb.h"

namespace throughline::cli {
namespace {

using ::testing::HasSubstr;
namespace off = throughline::offering::v1;
namespace aln = throughline::alignment::v1;

TEST(CliValueSyntaxTest, ParsesANeedWithItsNote) {
  type::v1::Need need;
  ASSERT_TRUE(ParseTextForm("configurability=CRITICAL:deep control: every knob", need).ok());
  EXPECT_EQ(need.dimension(), "configurability");
  EXPECT_EQ(need.importance(), type::v1::CRITICAL);
  EXPECT_EQ(need.note(), "deep control: every knob");
}

TEST(CliValueSyntaxTest, ImportanceIsCaseInsensitive) {
  type::v1::Need need;
  ASSERT_TRUE(ParseTextForm("tuning=high", need).ok());
  EXPECT_EQ(need.importance(), type::v1::HIGH);
  EXPECT_EQ(need.note(), "");
}

TEST(CliValueSyntaxTest, AnUnknownImportanceNamesTheChoices) {
  type::v1::Need need;
  const absl::Status status = ParseTextForm("tuning=URGENT", need);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("CRITICAL, HIGH, MEDIUM, LOW"));
}

TEST(CliValueSyntaxTest, ANeedWithoutImportanceSaysWhatIsExpected) {
  type::v1::Need need;
  EXPECT_THAT(ParseTextForm("configurability", need).message(),
              HasSubstr("DIMENSION=IMPORTANCE[:NOTE]"));
  EXPECT_FALSE(ParseTextForm("=CRITICAL", need).ok());
}

TEST(CliValueSyntaxTest, TheUnspecifiedValueIsNeverAccepted) {
  EXPECT_FALSE(ParseEnum(*type::v1::Importance_descriptor(), "IMPORTANCE_UNSPECIFIED").ok());
  EXPECT_EQ(*ParseEnum(*aln::Area_descriptor(), "pricing-logic"), aln::PRICING_LOGIC);
}

TEST(CliValueSyntaxTest, ParsesAnEffectWithItsStrength) {
  off::Effect effect;
  ASSERT_TRUE(ParseTextForm("configurability=WEAKENS:3", effect).ok());
  EXPECT_EQ(effect.dimension(), "configurability");
  EXPECT_EQ(effect.effect(), off::Effect::WEAKENS);
  EXPECT_EQ(effect.strength(), 3);
}

TEST(CliValueSyntaxTest, AnEffectNeedsAStrength) {
  off::Effect effect;
  EXPECT_THAT(ParseTextForm("simplicity=SUPPORTS", effect).message(), HasSubstr("STRENGTH"));
  EXPECT_FALSE(ParseTextForm("simplicity=SUPPORTS:lots", effect).ok());
}

TEST(CliValueSyntaxTest, ParsesAKnobWithDefaultAndDimension) {
  off::Knob knob;
  ASSERT_TRUE(ParseTextForm("synchronous_commit=hidden:on:configurability", knob).ok());
  EXPECT_EQ(knob.key(), "synchronous_commit");
  EXPECT_EQ(knob.exposure(), off::Knob::HIDDEN);
  EXPECT_EQ(knob.default_value(), "on");
  EXPECT_EQ(knob.dimension(), "configurability");
}

TEST(CliValueSyntaxTest, AKnobMayGiveOnlyItsExposure) {
  off::Knob knob;
  ASSERT_TRUE(ParseTextForm("work_mem=EXPOSED", knob).ok());
  EXPECT_EQ(knob.exposure(), off::Knob::EXPOSED);
  EXPECT_EQ(knob.default_value(), "");
  EXPECT_EQ(knob.dimension(), "");
}

TEST(CliValueSyntaxTest, ParsesAGuaranteeAndAMetric) {
  off::OperationalGuarantee guarantee;
  ASSERT_TRUE(ParseTextForm("availability=99.95%:monthly", guarantee).ok());
  EXPECT_EQ(guarantee.target(), "99.95%");
  EXPECT_EQ(guarantee.note(), "monthly");

  aln::LocalMetric linked;
  ASSERT_TRUE(ParseTextForm("p99 provisioning time=time_to_value:under 5 min", linked).ok());
  EXPECT_EQ(linked.name(), "p99 provisioning time");
  EXPECT_EQ(linked.dimension(), "time_to_value");
  EXPECT_EQ(linked.note(), "under 5 min");

  aln::LocalMetric unlinked;
  ASSERT_TRUE(ParseTextForm("tickets closed", unlinked).ok());
  EXPECT_EQ(unlinked.name(), "tickets closed");
  EXPECT_EQ(unlinked.dimension(), "");
}

TEST(CliValueSyntaxTest, TheTextFormOfAValueParsesBackToIt) {
  off::Knob knob;
  knob.set_key("max_connections");
  knob.set_exposure(off::Knob::ADVANCED);
  knob.set_dimension("configurability");
  const std::string text = *FormatTextForm(knob);
  EXPECT_EQ(text, "max_connections=ADVANCED::configurability");
  off::Knob parsed;
  ASSERT_TRUE(ParseTextForm(text, parsed).ok());
  EXPECT_EQ(parsed.SerializeAsString(), knob.SerializeAsString());

  off::Alternative alternative;
  ASSERT_TRUE(ParseTextForm("Expose every knob:too slow to validate", alternative).ok());
  EXPECT_EQ(*FormatTextForm(alternative), "Expose every knob:too slow to validate");
}

TEST(CliValueSyntaxTest, MessagesWithoutATextFormHaveNone) {
  EXPECT_FALSE(HasTextForm(*segment::v1::Segment::descriptor()));
  EXPECT_FALSE(FormatTextForm(segment::v1::Segment()).has_value());
}

}  // namespace
}  // namespace throughline::cli

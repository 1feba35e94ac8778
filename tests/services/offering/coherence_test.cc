// The pure coherence evaluation of DESIGN.md §6, without a server: severities, what counts
// (decisions, knobs, staleness, commitments' metrics), the score and the order of findings.
#include "services/offering/coherence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/util/message_differencer.h"

namespace throughline::offering {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using type::v1::Importance;
using v1::Finding;

constexpr char kSegment[] = "organizations/acme/markets/m/segments/s";
constexpr char kOffering[] = "organizations/acme/offerings/o";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

segment::v1::Segment SegmentWith(std::vector<std::pair<std::string, Importance>> needs,
                                 int64_t revision = 1) {
  segment::v1::Segment segment;
  segment.set_name(kSegment);
  segment.set_display_name("Segment");
  segment.set_revision(revision);
  for (const auto& [dimension, importance] : needs) {
    auto* need = segment.add_needs();
    need->set_dimension(dimension);
    need->set_importance(importance);
  }
  return segment;
}

v1::Offering Offering(int64_t designed_for_revision = 1) {
  v1::Offering offering;
  offering.set_name(kOffering);
  offering.set_target_segment(kSegment);
  offering.set_designed_for_revision(designed_for_revision);
  return offering;
}

v1::Decision Decision(const std::string& id, v1::Effect::Direction direction,
                      const std::string& dimension, int strength,
                      v1::Decision::State state = v1::Decision::ACCEPTED) {
  v1::Decision decision;
  decision.set_name(std::string(kOffering) + "/decisions/" + id);
  decision.set_title(id);
  decision.set_why("Customers get what they pay for sooner.");
  decision.set_state(state);
  auto* effect = decision.add_effects();
  effect->set_dimension(dimension);
  effect->set_effect(direction);
  effect->set_strength(strength);
  return decision;
}

v1::Decision Weakens(const std::string& dimension, int strength, const std::string& id = "d") {
  return Decision(id, v1::Effect::WEAKENS, dimension, strength);
}

// The severity of the single incoherence a decision weakening `importance` by `strength` gives,
// or SEVERITY_UNSPECIFIED when there is none.
Finding::Severity IncoherenceSeverity(Importance importance, int strength) {
  const auto report = EvaluateCoherence(Offering(), {Weakens("control", strength)},
                                        SegmentWith({{"control", importance}}), {}, kNow);
  Finding::Severity severity = Finding::SEVERITY_UNSPECIFIED;
  for (const auto& finding : report.findings()) {
    if (finding.kind() == Finding::INCOHERENCE) severity = finding.severity();
  }
  return severity;
}

std::vector<Finding::Kind> Kinds(const v1::CoherenceReport& report) {
  std::vector<Finding::Kind> kinds;
  for (const auto& finding : report.findings()) kinds.push_back(finding.kind());
  return kinds;
}

TEST(CoherenceTest, WeakeningACriticalNeedSlightlyIsMedium) {
  EXPECT_EQ(IncoherenceSeverity(type::v1::CRITICAL, 1), Finding::MEDIUM);
}

TEST(CoherenceTest, WeakeningACriticalNeedByTwoOrMoreIsHigh) {
  EXPECT_EQ(IncoherenceSeverity(type::v1::CRITICAL, 2), Finding::HIGH);
  EXPECT_EQ(IncoherenceSeverity(type::v1::CRITICAL, 3), Finding::HIGH);
}

TEST(CoherenceTest, WeakeningAHighNeedStronglyIsHigh) {
  EXPECT_EQ(IncoherenceSeverity(type::v1::HIGH, 3), Finding::HIGH);
}

TEST(CoherenceTest, WeakeningAHighNeedByTwoIsMedium) {
  EXPECT_EQ(IncoherenceSeverity(type::v1::HIGH, 2), Finding::MEDIUM);
}

TEST(CoherenceTest, WeakeningAHighNeedSlightlyIsLow) {
  EXPECT_EQ(IncoherenceSeverity(type::v1::HIGH, 1), Finding::LOW);
}

TEST(CoherenceTest, MediumAndLowNeedsAreIgnored) {
  for (Importance importance : {type::v1::MEDIUM, type::v1::LOW}) {
    for (int strength = 1; strength <= 3; ++strength) {
      const auto weakened = EvaluateCoherence(Offering(), {Weakens("control", strength)},
                                              SegmentWith({{"control", importance}}), {}, kNow);
      EXPECT_THAT(weakened.findings(), IsEmpty()) << weakened.DebugString();
      EXPECT_EQ(weakened.score(), 100);
      const auto supported =
          EvaluateCoherence(Offering(), {Decision("d", v1::Effect::SUPPORTS, "control", strength)},
                            SegmentWith({{"control", importance}}), {}, kNow);
      EXPECT_THAT(supported.findings(), IsEmpty()) << supported.DebugString();
    }
  }
}

TEST(CoherenceTest, DimensionsTheSegmentDoesNotNameAreIgnored) {
  const auto report = EvaluateCoherence(Offering(), {Weakens("latency", 3)},
                                        SegmentWith({{"control", type::v1::CRITICAL}}), {}, kNow);
  EXPECT_THAT(report.findings(), IsEmpty());
  EXPECT_EQ(report.score(), 100);
}

TEST(CoherenceTest, IncoherenceNamesDecisionDimensionAndImportanceWithAnActionableMessage) {
  v1::Decision decision = Weakens("configurability", 3, "hide-knobs");
  decision.set_title("Hide most knobs to accelerate launch");
  const auto report = EvaluateCoherence(
      Offering(), {decision}, SegmentWith({{"configurability", type::v1::CRITICAL}}), {}, kNow);
  ASSERT_EQ(report.findings_size(), 1);
  const Finding& finding = report.findings(0);
  EXPECT_EQ(finding.kind(), Finding::INCOHERENCE);
  EXPECT_EQ(finding.severity(), Finding::HIGH);
  EXPECT_EQ(finding.resource(), decision.name());
  EXPECT_EQ(finding.dimension(), "configurability");
  EXPECT_EQ(finding.importance(), "CRITICAL");
  EXPECT_THAT(finding.message(), HasSubstr("Hide most knobs to accelerate launch"));
  EXPECT_THAT(finding.message(), HasSubstr("configurability"));
  EXPECT_THAT(finding.message(), HasSubstr("revisit"));
  EXPECT_EQ(report.score(), 75);
}

TEST(CoherenceTest, SupportingACriticalNeedIsAnInformationalReinforcement) {
  const auto report =
      EvaluateCoherence(Offering(), {Decision("d", v1::Effect::SUPPORTS, "simplicity", 2)},
                        SegmentWith({{"simplicity", type::v1::CRITICAL}}), {}, kNow);
  ASSERT_EQ(report.findings_size(), 1);
  EXPECT_EQ(report.findings(0).kind(), Finding::REINFORCEMENT);
  EXPECT_EQ(report.findings(0).severity(), Finding::INFO);
  EXPECT_EQ(report.findings(0).importance(), "CRITICAL");
  EXPECT_EQ(report.score(), 100);
}

TEST(CoherenceTest, ProposedAndSupersededDecisionsAreIgnored) {
  v1::Decision proposed =
      Decision("proposed", v1::Effect::WEAKENS, "control", 3, v1::Decision::PROPOSED);
  proposed.clear_why();
  v1::Decision superseded =
      Decision("superseded", v1::Effect::WEAKENS, "control", 3, v1::Decision::SUPERSEDED);
  superseded.set_why("Build it with Terraform.");
  const auto report = EvaluateCoherence(Offering(), {proposed, superseded},
                                        SegmentWith({{"control", type::v1::CRITICAL}}), {}, kNow);
  EXPECT_THAT(report.findings(), IsEmpty()) << report.DebugString();
  EXPECT_EQ(report.score(), 100);
}

TEST(CoherenceTest, AnAcceptedDecisionWithoutWhyIsMissingWhy) {
  v1::Decision decision = Weakens("latency", 1);
  decision.clear_why();
  const auto report = EvaluateCoherence(Offering(), {decision}, SegmentWith({}), {}, kNow);
  EXPECT_THAT(Kinds(report), ElementsAre(Finding::MISSING_WHY));
  EXPECT_EQ(report.findings(0).resource(), decision.name());
}

TEST(CoherenceTest, AWhyThatOnlySaysHowItIsBuiltIsHowOnly) {
  v1::Decision decision = Weakens("latency", 1);
  decision.set_why("Render the settings from one Helm chart and apply them with an operator.");
  const auto report = EvaluateCoherence(Offering(), {decision}, SegmentWith({}), {}, kNow);
  EXPECT_THAT(Kinds(report), ElementsAre(Finding::HOW_ONLY_WHY));
  EXPECT_EQ(report.findings(0).severity(), Finding::LOW);
  EXPECT_THAT(report.findings(0).message(), HasSubstr("customer value"));

  // A why that repeats the how says nothing more, even when it mentions the customer.
  decision.set_why("Show customers five settings in the console");
  decision.set_how("Show customers five settings in the console");
  EXPECT_THAT(Kinds(EvaluateCoherence(Offering(), {decision}, SegmentWith({}), {}, kNow)),
              ElementsAre(Finding::HOW_ONLY_WHY));
}

TEST(CoherenceTest, AWhyNamingANeedOfTheSegmentStatesCustomerValue) {
  EXPECT_TRUE(WhyStatesCustomerValue("Keeps failover under their control", "", {}));
  EXPECT_TRUE(WhyStatesCustomerValue("Better tuning", "", {"tuning"}));
  EXPECT_TRUE(WhyStatesCustomerValue("Faster time to value", "", {"time_to_value"}));
  EXPECT_FALSE(WhyStatesCustomerValue("Use one Helm chart", "", {"tuning"}));
}

TEST(CoherenceTest, AHiddenKnobOnACriticalDimensionIsAHighFinding) {
  v1::Offering offering = Offering();
  auto* hidden = offering.add_knobs();
  hidden->set_key("wal_level");
  hidden->set_exposure(v1::Knob::HIDDEN);
  hidden->set_dimension("replication");
  auto* advanced = offering.add_knobs();
  advanced->set_key("max_wal_senders");
  advanced->set_exposure(v1::Knob::ADVANCED);
  advanced->set_dimension("replication");
  auto* hidden_high = offering.add_knobs();
  hidden_high->set_key("work_mem");
  hidden_high->set_exposure(v1::Knob::HIDDEN);
  hidden_high->set_dimension("tuning");
  const auto report = EvaluateCoherence(
      offering, {}, SegmentWith({{"replication", type::v1::CRITICAL}, {"tuning", type::v1::HIGH}}),
      {}, kNow);
  ASSERT_THAT(Kinds(report), ElementsAre(Finding::HIDDEN_CRITICAL_KNOB));
  const Finding& finding = report.findings(0);
  EXPECT_EQ(finding.severity(), Finding::HIGH);
  EXPECT_EQ(finding.knob(), "wal_level");
  EXPECT_EQ(finding.dimension(), "replication");
  EXPECT_EQ(finding.importance(), "CRITICAL");
  EXPECT_EQ(finding.resource(), kOffering);
  EXPECT_THAT(finding.message(), HasSubstr("wal_level"));
}

TEST(CoherenceTest, ADesignForAnOlderRevisionIsStaleAndNamesBothRevisions) {
  const auto report = EvaluateCoherence(Offering(/*designed_for_revision=*/2), {},
                                        SegmentWith({}, /*revision=*/5), {}, kNow);
  ASSERT_THAT(Kinds(report), ElementsAre(Finding::STALE_DESIGN));
  EXPECT_THAT(report.findings(0).message(), HasSubstr("revision 2"));
  EXPECT_THAT(report.findings(0).message(), HasSubstr("revision 5"));
  EXPECT_EQ(report.segment_revision(), 5);

  EXPECT_THAT(EvaluateCoherence(Offering(5), {}, SegmentWith({}, 5), {}, kNow).findings(),
              IsEmpty());
}

// A commitment's local metric must serve a need of the target segment: one without a
// dimension, or with a dimension the segment does not name, is an UNLINKED_METRIC (LOW), one
// finding per metric, on the commitment.
TEST(CoherenceTest, ACommitmentsMetricThatServesNoNeedIsUnlinked) {
  alignment::v1::Commitment commitment;
  commitment.set_name(std::string(kOffering) + "/commitments/engineering");
  auto add_metric = [&](const std::string& name, const std::string& dimension) {
    auto* metric = commitment.add_local_metrics();
    metric->set_name(name);
    metric->set_dimension(dimension);
  };
  add_metric("p99 failover time", "control");
  add_metric("story points per sprint", "");
  add_metric("launch date", "time_to_value");
  const auto report = EvaluateCoherence(Offering(), {}, SegmentWith({{"control", type::v1::LOW}}),
                                        {commitment}, kNow);
  ASSERT_THAT(Kinds(report), ElementsAre(Finding::UNLINKED_METRIC, Finding::UNLINKED_METRIC));
  const Finding& unlinked = report.findings(0);
  EXPECT_EQ(unlinked.severity(), Finding::LOW);
  EXPECT_EQ(unlinked.resource(), commitment.name());
  EXPECT_EQ(unlinked.dimension(), "");
  EXPECT_THAT(unlinked.message(), HasSubstr("engineering commitment measures \"story points"));
  EXPECT_THAT(unlinked.message(), HasSubstr("links to no need of \"Segment\""));
  const Finding& elsewhere = report.findings(1);
  EXPECT_EQ(elsewhere.dimension(), "time_to_value");
  EXPECT_THAT(elsewhere.message(), HasSubstr("\"launch date\" for time to value"));
  EXPECT_THAT(elsewhere.message(), HasSubstr("does not name as a need"));
  EXPECT_EQ(report.score(), 100 - 4 - 4);

  // Linked to a need of the segment, whatever its importance, a metric is no finding.
  const auto linked = EvaluateCoherence(
      Offering(), {}, SegmentWith({{"control", type::v1::LOW}, {"time_to_value", type::v1::HIGH}}),
      {commitment}, kNow);
  ASSERT_THAT(Kinds(linked), ElementsAre(Finding::UNLINKED_METRIC));
  EXPECT_EQ(linked.findings(0).dimension(), "");
}

TEST(CoherenceTest, ScoreLosesTwentyFiveTenAndFourPerHighMediumAndLowFinding) {
  const auto report = EvaluateCoherence(
      Offering(),
      {Weakens("a", 3, "high"), Weakens("b", 1, "medium"), Weakens("c", 1, "low"),
       Decision("info", v1::Effect::SUPPORTS, "a", 3)},
      SegmentWith({{"a", type::v1::CRITICAL}, {"b", type::v1::CRITICAL}, {"c", type::v1::HIGH}}),
      {}, kNow);
  EXPECT_EQ(report.findings_size(), 4);
  EXPECT_EQ(report.score(), 100 - 25 - 10 - 4);
}

TEST(CoherenceTest, ScoreStopsAtZero) {
  std::vector<v1::Decision> decisions;
  for (int i = 0; i < 6; ++i) decisions.push_back(Weakens("control", 3, "d" + std::to_string(i)));
  const auto report = EvaluateCoherence(Offering(), decisions,
                                        SegmentWith({{"control", type::v1::CRITICAL}}), {}, kNow);
  EXPECT_EQ(report.findings_size(), 6);
  EXPECT_EQ(report.score(), 0);
}

TEST(CoherenceTest, FindingsAreOrderedMostSevereFirstThenByResourceAndDimension) {
  v1::Decision mixed = Weakens("b", 1, "a-mixed");  // CRITICAL x1: MEDIUM
  auto* effect = mixed.add_effects();
  effect->set_dimension("a");
  effect->set_effect(v1::Effect::WEAKENS);
  effect->set_strength(1);  // CRITICAL x1: MEDIUM
  const std::vector<v1::Decision> decisions = {
      Decision("z-support", v1::Effect::SUPPORTS, "a", 1),  // INFO
      Weakens("c", 1, "y-low"),                             // HIGH x1: LOW
      mixed, Weakens("a", 3, "x-high"),                     // HIGH
  };
  const auto segment =
      SegmentWith({{"a", type::v1::CRITICAL}, {"b", type::v1::CRITICAL}, {"c", type::v1::HIGH}});
  const auto report = EvaluateCoherence(Offering(), decisions, segment, {}, kNow);
  std::vector<std::string> order;
  for (const auto& finding : report.findings()) {
    order.push_back(finding.resource().substr(finding.resource().rfind('/') + 1) + ":" +
                    finding.dimension());
  }
  EXPECT_THAT(order, ElementsAre("x-high:a", "a-mixed:a", "a-mixed:b", "y-low:c", "z-support:a"));

  // The order of the inputs does not matter.
  const std::vector<v1::Decision> reversed(decisions.rbegin(), decisions.rend());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      EvaluateCoherence(Offering(), reversed, segment, {}, kNow), report));
}

TEST(CoherenceTest, SameInputsGiveTheSameReport) {
  const auto segment =
      SegmentWith({{"a", type::v1::CRITICAL}, {"b", type::v1::HIGH}}, /*revision=*/3);
  const std::vector<v1::Decision> decisions = {Weakens("a", 2, "one"), Weakens("b", 3, "two")};
  const auto first = EvaluateCoherence(Offering(2), decisions, segment, {}, kNow);
  const auto second = EvaluateCoherence(Offering(2), decisions, segment, {}, kNow);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second));
  EXPECT_EQ(first.offering(), kOffering);
  EXPECT_EQ(first.segment(), kSegment);
  EXPECT_EQ(first.evaluate_time().seconds(), absl::ToUnixSeconds(kNow));
}

}  // namespace
}  // namespace throughline::offering

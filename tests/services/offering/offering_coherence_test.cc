// EvaluateCoherence over the wire, with the target segment read from a real segment service:
// the reference scenario of the source text (DESIGN.md §11) exactly as it is told.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/offering/offering_fixture.h"

namespace throughline::offering::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using v1::Finding;

class OfferingCoherenceTest : public OfferingServiceTest {
 protected:
  void SetUp() override {
    OfferingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  }
};

std::vector<Finding> FindingsOfKind(const v1::CoherenceReport& report, Finding::Kind kind) {
  std::vector<Finding> found;
  for (const auto& finding : report.findings()) {
    if (finding.kind() == kind) found.push_back(finding);
  }
  return found;
}

TEST_F(OfferingCoherenceTest, HidingKnobsForDiyPowerUsersIsAHighSeverityIncoherence) {
  const v1::CoherenceReport report = MustEvaluate(kManagedPostgres);

  EXPECT_EQ(report.offering(), kManagedPostgres);
  EXPECT_EQ(report.segment(), kDiy);
  EXPECT_EQ(report.segment_revision(), 1);
  ASSERT_EQ(report.findings_size(), 1) << report.DebugString();
  const Finding& finding = report.findings(0);
  EXPECT_EQ(finding.kind(), Finding::INCOHERENCE);
  EXPECT_EQ(finding.severity(), Finding::HIGH);
  EXPECT_EQ(finding.resource(), kHideKnobs);
  EXPECT_EQ(finding.dimension(), "configurability");
  EXPECT_EQ(finding.importance(), "CRITICAL");
  EXPECT_THAT(finding.message(), HasSubstr(kHideKnobsTitle));
  EXPECT_THAT(finding.message(), HasSubstr("DIY power users"));
  EXPECT_THAT(finding.message(), HasSubstr("configurability"));
  EXPECT_THAT(finding.message(), HasSubstr("revisit it"));
  EXPECT_LT(report.score(), 100);
}

TEST_F(OfferingCoherenceTest, TheSameDecisionReinforcesTheOfferingRetargetedToOneClickCustomers) {
  auto retargeted = Retarget(kManagedPostgres, kOneClick);
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);

  const v1::CoherenceReport report = MustEvaluate(kManagedPostgres);

  EXPECT_EQ(report.segment(), kOneClick);
  EXPECT_THAT(FindingsOfKind(report, Finding::INCOHERENCE), IsEmpty()) << report.DebugString();
  ASSERT_EQ(report.findings_size(), 1) << report.DebugString();
  const Finding& finding = report.findings(0);
  EXPECT_EQ(finding.kind(), Finding::REINFORCEMENT);
  EXPECT_EQ(finding.resource(), kHideKnobs);
  EXPECT_EQ(finding.dimension(), "simplicity");
  EXPECT_EQ(finding.importance(), "CRITICAL");
  EXPECT_THAT(finding.message(), HasSubstr("One-click customers"));
  EXPECT_EQ(report.score(), 100);
}

TEST_F(OfferingCoherenceTest, AProposedSegmentPreviewsTheReinforcementWithoutChangingAnything) {
  const v1::Offering before = GetOffering(kManagedPostgres).value;
  const std::string cursor = CurrentCursor();
  auto one_click = GetSegment(kOneClick);
  ASSERT_TRUE(one_click.ok()) << Describe(one_click.status);

  const v1::CoherenceReport preview = MustEvaluate(kManagedPostgres, &one_click.value);

  EXPECT_EQ(preview.segment(), kOneClick);
  EXPECT_THAT(FindingsOfKind(preview, Finding::INCOHERENCE), IsEmpty()) << preview.DebugString();
  ASSERT_EQ(FindingsOfKind(preview, Finding::REINFORCEMENT).size(), 1u);
  EXPECT_EQ(FindingsOfKind(preview, Finding::REINFORCEMENT)[0].dimension(), "simplicity");
  EXPECT_EQ(FindingsOfKind(preview, Finding::REINFORCEMENT)[0].importance(), "CRITICAL");
  EXPECT_EQ(preview.score(), 100);

  // A preview is not a retarget: the offering still targets DIY users, who still see the
  // incoherence.
  const v1::Offering after = GetOffering(kManagedPostgres).value;
  EXPECT_TRUE(SameMessage(before, after)) << after.DebugString();
  ExpectNoEventsSince(cursor);
  EXPECT_EQ(MustEvaluate(kManagedPostgres).findings(0).kind(), Finding::INCOHERENCE);
}

TEST_F(OfferingCoherenceTest, AChangeOfTheTargetSegmentMakesTheDesignStaleNamingBothRevisions) {
  segv1::Segment diy = GetSegment(kDiy).value;
  diy.set_description("Advanced users who tune, replicate and fail over themselves.");
  auto updated = UpdateSegment(diy, {"description"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  ASSERT_EQ(updated.value.revision(), 2);

  const v1::CoherenceReport report = MustEvaluate(kManagedPostgres);

  EXPECT_EQ(report.segment_revision(), 2);
  const auto stale = FindingsOfKind(report, Finding::STALE_DESIGN);
  ASSERT_EQ(stale.size(), 1u) << report.DebugString();
  EXPECT_EQ(stale[0].resource(), kManagedPostgres);
  EXPECT_THAT(stale[0].message(), HasSubstr("revision 1"));
  EXPECT_THAT(stale[0].message(), HasSubstr("revision 2"));
  EXPECT_EQ(FindingsOfKind(report, Finding::INCOHERENCE).size(), 1u);
  EXPECT_EQ(report.score(), 100 - 25 - 10);
}

TEST_F(OfferingCoherenceTest, RetargetingToTheSameSegmentConfirmsTheDesignForItsLatestRevision) {
  segv1::Segment diy = GetSegment(kDiy).value;
  diy.set_description("Advanced users who tune, replicate and fail over themselves.");
  ASSERT_TRUE(UpdateSegment(diy, {"description"}).ok());
  ASSERT_EQ(FindingsOfKind(MustEvaluate(kManagedPostgres), Finding::STALE_DESIGN).size(), 1u);

  auto confirmed = Retarget(kManagedPostgres, kDiy, "Reviewed revision 2: still DIY users.");
  ASSERT_TRUE(confirmed.ok()) << Describe(confirmed.status);

  EXPECT_EQ(confirmed.value.designed_for_revision(), 2);
  EXPECT_THAT(FindingsOfKind(MustEvaluate(kManagedPostgres), Finding::STALE_DESIGN), IsEmpty());
}

TEST_F(OfferingCoherenceTest, AHiddenKnobOnACriticalNeedIsAHiddenCriticalKnob) {
  v1::Offering offering = GetOffering(kManagedPostgres).value;
  *offering.add_knobs() =
      MakeKnob("synchronous_standby_names", v1::Knob::HIDDEN, "replication_and_failover_control");
  *offering.add_knobs() =
      MakeKnob("log_min_duration", v1::Knob::HIDDEN, "operational_transparency");
  ASSERT_TRUE(UpdateOffering(offering, {"knobs"}).ok());

  const auto hidden = FindingsOfKind(MustEvaluate(kManagedPostgres), Finding::HIDDEN_CRITICAL_KNOB);

  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0].knob(), "synchronous_standby_names");
  EXPECT_EQ(hidden[0].dimension(), "replication_and_failover_control");
  EXPECT_EQ(hidden[0].importance(), "CRITICAL");
  EXPECT_EQ(hidden[0].severity(), Finding::HIGH);
  EXPECT_THAT(hidden[0].message(), HasSubstr("synchronous_standby_names"));
}

TEST_F(OfferingCoherenceTest, AWhyThatOnlySaysHowItIsBuiltIsAHowOnlyWhy) {
  v1::Decision decision;
  decision.set_title("Template the settings");
  decision.set_why("Render the settings from one Helm chart and apply them with an operator.");
  decision.set_owning_function("operations");
  decision.set_state(v1::Decision::ACCEPTED);
  auto created = CreateDecision(kManagedPostgres, "template-settings", decision);
  ASSERT_TRUE(created.ok()) << Describe(created.status);

  const auto how_only = FindingsOfKind(MustEvaluate(kManagedPostgres), Finding::HOW_ONLY_WHY);

  ASSERT_EQ(how_only.size(), 1u);
  EXPECT_EQ(how_only[0].resource(), created.value.name());
  EXPECT_THAT(how_only[0].message(), HasSubstr("Template the settings"));
  EXPECT_THAT(how_only[0].message(), HasSubstr("customer value"));
}

TEST_F(OfferingCoherenceTest, OnlyAcceptedDecisionsCount) {
  v1::Decision hide = GetDecision(kHideKnobs).value;
  hide.set_state(v1::Decision::PROPOSED);
  ASSERT_TRUE(UpdateDecision(hide, {"state"}).ok());
  EXPECT_THAT(MustEvaluate(kManagedPostgres).findings(), IsEmpty());

  auto replacement = CreateDecision(kManagedPostgres, "advanced-knobs", [] {
    v1::Decision decision = HideMostKnobs(v1::Decision::ACCEPTED);
    decision.set_title("Expose every knob behind an advanced surface");
    decision.clear_effects();
    *decision.add_effects() = MakeEffect("configurability", v1::Effect::SUPPORTS, 3);
    return decision;
  }());
  ASSERT_TRUE(replacement.ok()) << Describe(replacement.status);
  hide = GetDecision(kHideKnobs).value;
  hide.set_state(v1::Decision::SUPERSEDED);
  hide.set_superseded_by(replacement.value.name());
  ASSERT_TRUE(UpdateDecision(hide, {"state", "superseded_by"}).ok());

  const v1::CoherenceReport report = MustEvaluate(kManagedPostgres);
  ASSERT_EQ(report.findings_size(), 1) << report.DebugString();
  EXPECT_EQ(report.findings(0).kind(), Finding::REINFORCEMENT);
  EXPECT_EQ(report.findings(0).resource(), replacement.value.name());
  EXPECT_EQ(report.score(), 100);
}

TEST_F(OfferingCoherenceTest, TheSameInputsGiveTheSameReportAcrossCallsAndRestarts) {
  // Enough findings of different kinds and severities that their order matters.
  v1::Decision transparency = HideMostKnobs();
  transparency.set_title("Keep server logs internal");
  transparency.clear_effects();
  *transparency.add_effects() = MakeEffect("operational_transparency", v1::Effect::WEAKENS, 2);
  *transparency.add_effects() = MakeEffect("tuning", v1::Effect::SUPPORTS, 1);
  ASSERT_TRUE(CreateDecision(kManagedPostgres, "internal-logs", transparency).ok());
  v1::Offering offering = GetOffering(kManagedPostgres).value;
  *offering.add_knobs() = MakeKnob("wal_level", v1::Knob::HIDDEN, "configurability");
  ASSERT_TRUE(UpdateOffering(offering, {"knobs"}).ok());

  const v1::CoherenceReport first = Timeless(MustEvaluate(kManagedPostgres));
  ASSERT_GE(first.findings_size(), 4) << first.DebugString();
  for (int i = 0; i < 3; ++i) {
    const v1::CoherenceReport again = Timeless(MustEvaluate(kManagedPostgres));
    EXPECT_TRUE(SameMessage(first, again)) << again.DebugString();
  }

  RestartOfferingServer();

  const v1::CoherenceReport restarted = Timeless(MustEvaluate(kManagedPostgres));
  EXPECT_TRUE(SameMessage(first, restarted)) << restarted.DebugString();
}

TEST_F(OfferingCoherenceTest, AnOfferingWhoseSegmentWasDeletedAsksToBeRetargeted) {
  ASSERT_TRUE(Retarget(kManagedPostgres, kOneClick).ok());
  const grpc::Status deleted = DeleteSegment(kOneClick);
  ASSERT_TRUE(deleted.ok()) << Describe(deleted);

  auto report = EvaluateCoherence(kManagedPostgres);

  EXPECT_EQ(report.code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(report.status);
  EXPECT_THAT(report.status.error_message(), HasSubstr("retarget"));
}

}  // namespace
}  // namespace throughline::offering::testing

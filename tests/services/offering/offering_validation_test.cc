// Every invalid request is INVALID_ARGUMENT with a BadRequest violation on the exact field path,
// and nothing is written: no resource, no change, no event.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/services/offering/offering_fixture.h"

namespace throughline::offering::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kGlobexDiy[] =
    "organizations/globex/markets/cloud-databases/segments/diy-power-users";
constexpr char kMissingSegment[] = "organizations/acme/markets/cloud-databases/segments/nobody";

struct OfferingCase {
  std::string field;
  std::function<void(v1::Offering&)> mutate;
};

struct DecisionCase {
  std::string field;
  std::function<void(v1::Decision&)> mutate;
};

const std::vector<OfferingCase>& InvalidOfferings() {
  static const auto* cases = new std::vector<OfferingCase>{
      {"offering.display_name", [](v1::Offering& o) { o.clear_display_name(); }},
      {"offering.display_name", [](v1::Offering& o) { o.set_display_name(std::string(201, 'x')); }},
      {"offering.target_segment", [](v1::Offering& o) { o.clear_target_segment(); }},
      {"offering.target_segment", [](v1::Offering& o) { o.set_target_segment("segments/diy"); }},
      {"offering.target_segment",
       [](v1::Offering& o) { o.set_target_segment("organizations/acme/markets/cloud-databases"); }},
      {"offering.target_segment", [](v1::Offering& o) { o.set_target_segment(kGlobexDiy); }},
      {"offering.target_segment", [](v1::Offering& o) { o.set_target_segment(kMissingSegment); }},
      {"offering.value_proposition", [](v1::Offering& o) { o.clear_value_proposition(); }},
      {"offering.rationale", [](v1::Offering& o) { o.set_rationale(std::string(10'001, 'x')); }},
      {"offering.knobs[0].key", [](v1::Offering& o) { o.mutable_knobs(0)->clear_key(); }},
      {"offering.knobs[0].key",
       [](v1::Offering& o) { o.mutable_knobs(0)->set_key("Sync Commit"); }},
      {"offering.knobs[0].exposure",
       [](v1::Offering& o) { o.mutable_knobs(0)->set_exposure(v1::Knob::EXPOSURE_UNSPECIFIED); }},
      {"offering.knobs[0].exposure",
       [](v1::Offering& o) {
         o.mutable_knobs(0)->set_exposure(static_cast<v1::Knob::Exposure>(9));
       }},
      {"offering.knobs[0].dimension",
       [](v1::Offering& o) { o.mutable_knobs(0)->set_dimension("Tuning Knobs"); }},
      {"offering.knobs[1].key",
       [](v1::Offering& o) {
         *o.add_knobs() = MakeKnob("synchronous_commit", v1::Knob::HIDDEN, "tuning");
       }},
      {"offering.operational_guarantees[0].name",
       [](v1::Offering& o) { o.mutable_operational_guarantees(0)->clear_name(); }},
      {"offering.operational_guarantees[0].target",
       [](v1::Offering& o) { o.mutable_operational_guarantees(0)->clear_target(); }},
      {"offering.operational_guarantees[1].name",
       [](v1::Offering& o) {
         auto* twice = o.add_operational_guarantees();
         twice->set_name("availability");
         twice->set_target("99.9%");
       }},
  };
  return *cases;
}

const std::vector<DecisionCase>& InvalidDecisions() {
  static const auto* cases = new std::vector<DecisionCase>{
      {"decision.title", [](v1::Decision& d) { d.clear_title(); }},
      {"decision.why", [](v1::Decision& d) { d.clear_why(); }},
      {"decision.owning_function", [](v1::Decision& d) { d.clear_owning_function(); }},
      {"decision.owning_function", [](v1::Decision& d) { d.set_owning_function("Engineering!"); }},
      {"decision.effects[0].dimension",
       [](v1::Decision& d) { d.mutable_effects(0)->clear_dimension(); }},
      {"decision.effects[0].dimension",
       [](v1::Decision& d) { d.mutable_effects(0)->set_dimension("Config Ability"); }},
      {"decision.effects[0].effect",
       [](v1::Decision& d) {
         d.mutable_effects(0)->set_effect(v1::Effect::DIRECTION_UNSPECIFIED);
       }},
      {"decision.effects[0].strength",
       [](v1::Decision& d) { d.mutable_effects(0)->set_strength(0); }},
      {"decision.effects[1].strength",
       [](v1::Decision& d) { d.mutable_effects(1)->set_strength(4); }},
      {"decision.effects[1].dimension",
       [](v1::Decision& d) { d.mutable_effects(1)->set_dimension("configurability"); }},
      {"decision.alternatives[0].description",
       [](v1::Decision& d) { d.mutable_alternatives(0)->clear_description(); }},
      {"decision.superseded_by", [](v1::Decision& d) { d.set_state(v1::Decision::SUPERSEDED); }},
      {"decision.superseded_by",
       [](v1::Decision& d) {
         d.set_state(v1::Decision::ACCEPTED);
         d.set_superseded_by(kHideKnobs);
       }},
      {"decision.superseded_by",
       [](v1::Decision& d) {
         d.set_state(v1::Decision::SUPERSEDED);
         d.set_superseded_by("organizations/acme/offerings/other/decisions/hide-most-knobs");
       }},
      {"decision.superseded_by",
       [](v1::Decision& d) {
         d.set_state(v1::Decision::SUPERSEDED);
         d.set_superseded_by(std::string(kManagedPostgres) + "/decisions/new-decision");
       }},
      {"decision.superseded_by",
       [](v1::Decision& d) {
         d.set_state(v1::Decision::SUPERSEDED);
         d.set_superseded_by(std::string(kManagedPostgres) + "/decisions/nonexistent");
       }},
  };
  return *cases;
}

class OfferingValidationTest : public OfferingServiceTest {
 protected:
  void SetUp() override {
    OfferingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
    // Globex has the same market and segment ids, so "another organization's segment" exists.
    ASSERT_TRUE(CreateMarket("cloud-databases", CloudDatabases(), kGlobex, kGlobexEditor).ok());
    ASSERT_TRUE(CreateSegment("organizations/globex/markets/cloud-databases", "diy-power-users",
                              DiyPowerUsers(), kGlobexEditor)
                    .ok());
    offering_ = GetOffering(kManagedPostgres).value;
    decision_ = GetDecision(kHideKnobs).value;
    cursor_ = CurrentCursor();
  }

  // Nothing was written since SetUp: the same offering and decision, no other resource, no
  // event.
  void ExpectNothingWritten() {
    const auto offerings = AllOfferings();
    ASSERT_EQ(offerings.size(), 1u);
    EXPECT_TRUE(SameMessage(offerings[0], offering_)) << offerings[0].DebugString();
    const auto decision = GetDecision(kHideKnobs);
    EXPECT_TRUE(SameMessage(decision.value, decision_)) << decision.value.DebugString();
    std::vector<std::string> decisions;
    for (const auto& name : AllDecisionNames(kManagedPostgres)) {
      if (name.find("/decisions/marker-") == std::string::npos) decisions.push_back(name);
    }
    EXPECT_THAT(decisions, ElementsAre(kHideKnobs));
    ExpectNoEventsSince(cursor_);
  }

  v1::Offering offering_;
  v1::Decision decision_;
  std::string cursor_;
};

// INVALID_ARGUMENT whose only violation is on `field`.
void ExpectViolation(const grpc::Status& status, const std::string& field,
                     const std::string& context = "") {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << context << " " << Describe(status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre(field)) << context << " " << Describe(status);
  EXPECT_EQ(ErrorReason(status), "INVALID_ARGUMENT") << context;
}

TEST_F(OfferingValidationTest, EveryInvalidOfferingFieldIsNamedAndNothingIsCreated) {
  for (size_t i = 0; i < InvalidOfferings().size(); ++i) {
    const OfferingCase& c = InvalidOfferings()[i];
    v1::Offering offering = ManagedPostgres();
    c.mutate(offering);
    auto created = CreateOffering("", offering);
    ExpectViolation(created.status, c.field, absl::StrCat("case ", i, ":"));
    // Also with an id the offering would get: still nothing there afterwards.
    auto with_id = CreateOffering(absl::StrCat("invalid-", i), offering);
    ExpectViolation(with_id.status, c.field, absl::StrCat("case ", i, " with id:"));
  }
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, TargetSegmentViolationsSayWhatIsWrong) {
  v1::Offering offering = ManagedPostgres();
  offering.clear_target_segment();
  EXPECT_THAT(ViolationOn(CreateOffering("", offering).status, "offering.target_segment"),
              HasSubstr("required"));
  offering.set_target_segment(kGlobexDiy);
  EXPECT_THAT(ViolationOn(CreateOffering("", offering).status, "offering.target_segment"),
              HasSubstr("organization"));
  offering.set_target_segment(kMissingSegment);
  EXPECT_THAT(ViolationOn(CreateOffering("", offering).status, "offering.target_segment"),
              HasSubstr("does not exist"));
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, EveryViolationOfARequestIsReportedAtOnce) {
  v1::Offering offering = ManagedPostgres();
  offering.clear_display_name();
  offering.clear_value_proposition();
  offering.mutable_knobs(0)->set_exposure(v1::Knob::EXPOSURE_UNSPECIFIED);
  auto created = CreateOffering("", offering);
  EXPECT_EQ(created.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(created.status),
              UnorderedElementsAre("offering.display_name", "offering.value_proposition",
                                   "offering.knobs[0].exposure"));

  auto empty = CreateOffering("", v1::Offering());
  EXPECT_THAT(ViolatedFields(empty.status),
              UnorderedElementsAre("offering.display_name", "offering.target_segment",
                                   "offering.value_proposition"));
  v1::CreateOfferingRequest without_offering;
  without_offering.set_parent(kAcme);
  ExpectViolation(CreateOffering(without_offering).status, "offering");
  v1::CreateDecisionRequest without_decision;
  without_decision.set_parent(kManagedPostgres);
  ExpectViolation(CreateDecision(without_decision).status, "decision");
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, AnInvalidOfferingIdIsNamed) {
  ExpectViolation(CreateOffering("Managed_PG", ManagedPostgres()).status, "offering_id");
  ExpectViolation(CreateOffering("managed-postgresql-", ManagedPostgres()).status, "offering_id");
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, EveryInvalidDecisionFieldIsNamedAndNothingIsCreated) {
  for (size_t i = 0; i < InvalidDecisions().size(); ++i) {
    const DecisionCase& c = InvalidDecisions()[i];
    v1::Decision decision = HideMostKnobs();
    decision.clear_effects();
    *decision.add_effects() = MakeEffect("configurability", v1::Effect::WEAKENS, 3);
    *decision.add_effects() = MakeEffect("simplicity", v1::Effect::SUPPORTS, 2);
    c.mutate(decision);
    auto created = CreateDecision(kManagedPostgres, "new-decision", decision);
    ExpectViolation(created.status, c.field, absl::StrCat("case ", i, ":"));
  }
  ExpectViolation(CreateDecision(kManagedPostgres, "New Decision", HideMostKnobs()).status,
                  "decision_id");
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, ADecisionWithoutWhyIsRejectedSayingWhyTheWhyMatters) {
  v1::Decision decision = HideMostKnobs();
  decision.clear_why();

  auto created = CreateDecision(kManagedPostgres, "no-why", decision);

  ExpectViolation(created.status, "decision.why");
  const std::string description = ViolationOn(created.status, "decision.why");
  EXPECT_THAT(description, HasSubstr("why is required"));
  EXPECT_THAT(description, HasSubstr("customer value"));
  EXPECT_THAT(description, HasSubstr("check the decision against the segment's needs"));
  EXPECT_THAT(created.status.error_message(), HasSubstr("decision.why"));

  v1::Decision cleared = decision_;
  cleared.clear_why();
  auto updated = UpdateDecision(cleared, {"why"});
  ExpectViolation(updated.status, "decision.why");
  EXPECT_THAT(ViolationOn(updated.status, "decision.why"),
              HasSubstr("check the decision against the segment's needs"));
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, InvalidOfferingUpdatesAreNamedAndChangeNothing) {
  v1::Offering offering = offering_;
  ExpectViolation(UpdateOffering(offering, {}).status, "update_mask");
  ExpectViolation(UpdateOffering(offering, {"revision"}).status, "update_mask.paths[0]");
  ExpectViolation(UpdateOffering(offering, {"display_name", "designed_for_revision"}).status,
                  "update_mask.paths[1]");
  ExpectViolation(UpdateOffering(offering, {"display_name", "*"}).status, "update_mask.paths[1]");
  ExpectViolation(UpdateOffering(offering, {"knobs.key"}).status, "update_mask.paths[0]");

  for (size_t i = 0; i < InvalidOfferings().size(); ++i) {
    const OfferingCase& c = InvalidOfferings()[i];
    v1::Offering changed = offering_;
    c.mutate(changed);
    auto updated = UpdateOffering(changed, {"*"});
    ExpectViolation(updated.status, c.field, absl::StrCat("case ", i, " with *:"));
  }
  for (const char* target : {"", "segments/diy", kGlobexDiy, kMissingSegment}) {
    v1::Offering changed = offering_;
    changed.set_target_segment(target);
    auto updated = UpdateOffering(changed, {"target_segment"});
    ExpectViolation(updated.status, "offering.target_segment", target);
  }
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, InvalidDecisionUpdatesAreNamedAndChangeNothing) {
  ExpectViolation(UpdateDecision(decision_, {}).status, "update_mask");
  ExpectViolation(UpdateDecision(decision_, {"uid"}).status, "update_mask.paths[0]");
  for (size_t i = 0; i < InvalidDecisions().size(); ++i) {
    const DecisionCase& c = InvalidDecisions()[i];
    // "new-decision" does not exist during an update: it is the self-reference case only on
    // create, so it is covered by the nonexistent case here.
    v1::Decision changed = decision_;
    c.mutate(changed);
    auto updated = UpdateDecision(changed, {"*"});
    ExpectViolation(updated.status, c.field, absl::StrCat("case ", i, ":"));
  }
  v1::Decision itself = decision_;
  itself.set_state(v1::Decision::SUPERSEDED);
  itself.set_superseded_by(kHideKnobs);
  ExpectViolation(UpdateDecision(itself, {"state", "superseded_by"}).status,
                  "decision.superseded_by");
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, InvalidRetargetsAreNamedAndChangeNothing) {
  auto retarget = [&](const std::string& target, const std::string& rationale) {
    v1::RetargetOfferingRequest request;
    request.set_name(kManagedPostgres);
    request.set_target_segment(target);
    request.set_rationale(rationale);
    return RetargetOffering(request).status;
  };
  const std::string why = "One-click customers are the larger opportunity.";

  ExpectViolation(retarget(kOneClick, ""), "rationale");
  EXPECT_THAT(ViolationOn(retarget(kOneClick, ""), "rationale"), HasSubstr("every function"));
  ExpectViolation(retarget("", why), "target_segment");
  ExpectViolation(retarget("segments/one-click", why), "target_segment");
  ExpectViolation(retarget(kGlobexDiy, why), "target_segment");
  ExpectViolation(retarget(kMissingSegment, why), "target_segment");
  EXPECT_THAT(ViolationOn(retarget(kMissingSegment, why), "target_segment"),
              HasSubstr("does not exist"));
  EXPECT_THAT(ViolatedFields(retarget("", "")),
              UnorderedElementsAre("target_segment", "rationale"));

  v1::RetargetOfferingRequest long_id;
  long_id.set_name(kManagedPostgres);
  long_id.set_target_segment(kOneClick);
  long_id.set_rationale(why);
  long_id.set_request_id(std::string(101, 'r'));
  ExpectViolation(RetargetOffering(long_id).status, "request_id");
  ExpectNothingWritten();
}

TEST_F(OfferingValidationTest, InvalidFiltersAndPageTokensAreNamed) {
  ExpectViolation(ListOfferings(kAcme, "display_name = \"Managed PostgreSQL\"").status, "filter");
  ExpectViolation(ListOfferings(kAcme, "target_segment \"x\"").status, "filter");
  ExpectViolation(ListOfferings(kAcme, "target_segment = \"x").status, "filter");
  ExpectViolation(ListOfferings(kAcme, "", 0, "not-a-token").status, "page_token");
  ExpectViolation(ListOfferings(kAcme, "", -1).status, "page_size");

  ExpectViolation(ListDecisions(kManagedPostgres, "state = BOGUS").status, "filter");
  ExpectViolation(ListDecisions(kManagedPostgres, "state = STATE_UNSPECIFIED").status, "filter");
  ExpectViolation(ListDecisions(kManagedPostgres, "title = \"x\"").status, "filter");
  ExpectViolation(ListDecisions(kManagedPostgres, "state = ACCEPTED OR state = PROPOSED").status,
                  "filter");
  ExpectViolation(ListDecisions(kManagedPostgres, "", 0, "not-a-token").status, "page_token");

  // A page token only continues the listing it came from.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(CreateDecision(kManagedPostgres, absl::StrCat("extra-", i), MarkerDecision()).ok());
  }
  auto first = ListDecisions(kManagedPostgres, "", 1);
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  ASSERT_FALSE(first.value.next_page_token().empty());
  ExpectViolation(
      ListDecisions(kManagedPostgres, "state = PROPOSED", 1, first.value.next_page_token()).status,
      "page_token");
  ExpectViolation(ListOfferings(kAcme, "", 1, first.value.next_page_token()).status, "page_token");
}

TEST_F(OfferingValidationTest, AnInvalidWatchFilterIsNamed) {
  v1::WatchOfferingEventsRequest request;
  request.set_parent(kAcme);
  request.set_filter("state = OPEN");
  auto context = Authorized(kAcmeViewer);
  auto reader = offering_stub().WatchOfferingEvents(context.get(), request);
  v1::WatchOfferingEventsResponse response;
  EXPECT_FALSE(reader->Read(&response));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
  EXPECT_THAT(ViolatedFields(status), Contains("filter"));
}

}  // namespace
}  // namespace throughline::offering::testing

// The offering event log as a subscriber sees it: one event per change, in the transaction of
// the change, read with WatchOfferingEvents after a cursor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/offering/offering_fixture.h"

namespace throughline::offering::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kRetargeted[] = "throughline.offering.v1.offering_retargeted";
constexpr char kChanged[] = "throughline.offering.v1.offering_changed";

std::vector<std::string> ChangedPaths(const v1::OfferingEventData& data) {
  return {data.changed_paths().begin(), data.changed_paths().end()};
}

class OfferingEventsTest : public OfferingServiceTest {
 protected:
  void SetUp() override {
    OfferingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
    // One-click customers were refined twice, so a retarget visibly moves
    // designed_for_revision (1 for DIY users) to their revision 3.
    for (const char* description : {"Teams that want it to just work.", "No DBA on staff."}) {
      segv1::Segment one_click = GetSegment(kOneClick).value;
      one_click.set_description(description);
      ASSERT_TRUE(UpdateSegment(one_click, {"description"}).ok());
    }
    ASSERT_EQ(GetSegment(kOneClick).value.revision(), 3);
  }
};

TEST_F(OfferingEventsTest, RetargetingEmitsExactlyOneRetargetedEventWithBeforeAndAfter) {
  const v1::Offering before = GetOffering(kManagedPostgres).value;
  const std::string cursor = CurrentCursor();

  v1::RetargetOfferingRequest request;
  request.set_name(kManagedPostgres);
  request.set_target_segment(kOneClick);
  request.set_rationale("New evidence: one-click customers are the larger opportunity.");
  request.set_value_proposition("A production PostgreSQL in one click, run for you.");
  auto retargeted = RetargetOffering(request);
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);

  EXPECT_EQ(retargeted.value.target_segment(), kOneClick);
  EXPECT_EQ(retargeted.value.designed_for_revision(), 3);
  EXPECT_EQ(retargeted.value.revision(), before.revision() + 1);
  EXPECT_NE(retargeted.value.etag(), before.etag());
  const auto events = EventsSince(cursor);
  ASSERT_EQ(events.size(), 1u);
  const CloudEvent& event = events[0].event();
  EXPECT_EQ(event.type(), kRetargeted);
  EXPECT_EQ(Subject(event), kManagedPostgres);
  EXPECT_EQ(AttributeString(event, "revision"), std::to_string(retargeted.value.revision()));
  const v1::OfferingEventData data = OfferingData(event);
  EXPECT_TRUE(SameMessage(data.before(), before)) << data.before().DebugString();
  EXPECT_TRUE(SameMessage(data.after(), retargeted.value)) << data.after().DebugString();
  EXPECT_EQ(data.before().target_segment(), kDiy);
  EXPECT_EQ(data.before().designed_for_revision(), 1);
  EXPECT_EQ(data.after().target_segment(), kOneClick);
  EXPECT_EQ(data.after().designed_for_revision(), 3);
  EXPECT_THAT(ChangedPaths(data), UnorderedElementsAre("target_segment", "designed_for_revision",
                                                       "rationale", "value_proposition"));
}

TEST_F(OfferingEventsTest, ARetargetIsReadableAfterACursorAndByType) {
  const std::string cursor = CurrentCursor();
  ASSERT_TRUE(Retarget(kManagedPostgres, kOneClick).ok());

  // A fresh reader that resumes after the cursor sees the retarget first.
  Events after = ReadEventsUntil(cursor, [](const auto&) { return true; });
  ASSERT_EQ(after.responses.size(), 1u) << Describe(after.status);
  EXPECT_EQ(after.responses[0].event().type(), kRetargeted);

  // From the beginning, filtered by type, the retarget is the only match.
  Events by_type = ReadEventsUntil(
      "", [](const auto&) { return true; }, absl::StrCat("type = \"", kRetargeted, "\""));
  ASSERT_EQ(by_type.responses.size(), 1u) << Describe(by_type.status);
  EXPECT_EQ(by_type.responses[0].cursor(), after.responses[0].cursor());
}

TEST_F(OfferingEventsTest, UpdatingTheTargetSegmentIsARetargetToo) {
  const std::string cursor = CurrentCursor();
  v1::Offering offering = GetOffering(kManagedPostgres).value;
  offering.set_target_segment(kOneClick);

  auto updated = UpdateOffering(offering, {"target_segment"});

  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.designed_for_revision(), 3);
  const auto events = EventsSince(cursor);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().type(), kRetargeted);
  EXPECT_THAT(ChangedPaths(OfferingData(events[0].event())),
              UnorderedElementsAre("target_segment", "designed_for_revision"));
  EXPECT_EQ(AllOfferings(kAcme, absl::StrCat("target_segment = \"", kOneClick, "\"")).size(), 1u);
}

TEST_F(OfferingEventsTest, ChangingTheValuePropositionEmitsOneChangedEvent) {
  const std::string cursor = CurrentCursor();
  v1::Offering offering = GetOffering(kManagedPostgres).value;
  offering.set_value_proposition("Every knob you know, none of the pager duty.");

  auto updated = UpdateOffering(offering, {"value_proposition"});

  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  const auto events = EventsSince(cursor);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().type(), kChanged);
  const v1::OfferingEventData data = OfferingData(events[0].event());
  EXPECT_THAT(ChangedPaths(data), ElementsAre("value_proposition"));
  EXPECT_EQ(data.after().value_proposition(), "Every knob you know, none of the pager duty.");
  EXPECT_EQ(data.before().target_segment(), data.after().target_segment());
}

TEST_F(OfferingEventsTest, AnUpdateThatChangesNothingEmitsNothing) {
  const v1::Offering before = GetOffering(kManagedPostgres).value;
  const std::string cursor = CurrentCursor();

  // Same values, including the target segment, through an explicit mask and through "*".
  auto same = UpdateOffering(before, {"value_proposition", "target_segment", "knobs"});
  ASSERT_TRUE(same.ok()) << Describe(same.status);
  auto all = UpdateOffering(before, {"*"});
  ASSERT_TRUE(all.ok()) << Describe(all.status);

  EXPECT_TRUE(SameMessage(same.value, before)) << same.value.DebugString();
  EXPECT_TRUE(SameMessage(all.value, before)) << all.value.DebugString();
  EXPECT_TRUE(SameMessage(GetOffering(kManagedPostgres).value, before));
  ExpectNoEventsSince(cursor);
}

TEST_F(OfferingEventsTest, ChangesOtherThanTargetAndPromiseAreChangedEvents) {
  const std::string cursor = CurrentCursor();
  v1::Offering offering = GetOffering(kManagedPostgres).value;
  offering.set_pricing_model("Flat monthly price per instance size.");
  offering.mutable_knobs(0)->set_exposure(v1::Knob::ADVANCED);

  ASSERT_TRUE(UpdateOffering(offering, {"pricing_model", "knobs"}).ok());

  const auto events = EventsSince(cursor);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().type(), kChanged);
  const auto paths = ChangedPaths(OfferingData(events[0].event()));
  EXPECT_THAT(paths, UnorderedElementsAre("pricing_model", "knobs"));
  EXPECT_THAT(paths, Not(Contains("target_segment")));
}

TEST_F(OfferingEventsTest, DeletingAnOfferingEmitsItsDecisionsAndItsOwnDeletion) {
  auto other = CreateOffering("other", ManagedPostgres(kOneClick, "Other"));
  ASSERT_TRUE(other.ok()) << Describe(other.status);
  ASSERT_TRUE(CreateDecision(other.value.name(), "one", HideMostKnobs()).ok());
  const std::string cursor = CurrentCursor();

  ASSERT_TRUE(DeleteOffering(other.value.name()).ok());

  const auto events = EventsSince(cursor);
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.event().type());
  EXPECT_THAT(types, ElementsAre("throughline.offering.v1.decision_deleted",
                                 "throughline.offering.v1.offering_deleted"));
  EXPECT_EQ(GetOffering(other.value.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetDecision(other.value.name() + "/decisions/one").code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(OfferingEventsTest, ACreatedOfferingIsAnnouncedWithEveryField) {
  const std::string cursor = CurrentCursor();
  auto created = CreateOffering("self-hosted", ManagedPostgres(kDiy, "Self-hosted PostgreSQL"));
  ASSERT_TRUE(created.ok()) << Describe(created.status);

  const auto events = EventsSince(cursor);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().type(), "throughline.offering.v1.offering_created");
  const v1::OfferingEventData data = OfferingData(events[0].event());
  EXPECT_FALSE(data.has_before());
  EXPECT_TRUE(SameMessage(data.after(), created.value));
  EXPECT_THAT(ChangedPaths(data), Contains("target_segment"));
  EXPECT_THAT(ChangedPaths(data), Not(IsEmpty()));
}

}  // namespace
}  // namespace throughline::offering::testing

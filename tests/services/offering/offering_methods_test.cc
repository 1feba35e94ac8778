// The standard methods of offerings and decisions behave like the segment service's (AIP):
// output-only fields, masks, etags, request ids, pagination, filters and tenant isolation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/services/offering/offering_fixture.h"

namespace throughline::offering::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> Names(const std::vector<v1::Offering>& offerings) {
  std::vector<std::string> names;
  for (const auto& offering : offerings) names.push_back(offering.name());
  return names;
}

std::string TargetFilter(const std::string& segment) {
  return absl::StrCat("target_segment = \"", segment, "\"");
}

class OfferingMethodsTest : public OfferingServiceTest {
 protected:
  void SetUp() override {
    OfferingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  }

  size_t CountEventsOfType(const std::string& type) {
    size_t count = 0;
    for (const auto& e : EventsSince("")) count += e.event().type() == type ? 1 : 0;
    return count;
  }
};

TEST_F(OfferingMethodsTest, ACreatedOfferingIsDesignedForTheSegmentsCurrentRevision) {
  segv1::Segment diy = GetSegment(kDiy).value;
  diy.set_priority(2);
  ASSERT_EQ(UpdateSegment(diy, {"priority"}).value.revision(), 2);
  v1::Offering input = ManagedPostgres(kDiy, "Postgres for tinkerers");
  // Output-only fields are ignored.
  input.set_name("organizations/acme/offerings/chosen-by-client");
  input.set_uid("00000000-0000-0000-0000-000000000000");
  input.set_revision(42);
  input.set_designed_for_revision(7);
  input.set_etag("\"forged\"");

  auto created = CreateOffering("tinkerers", input);

  ASSERT_TRUE(created.ok()) << Describe(created.status);
  const v1::Offering& offering = created.value;
  EXPECT_EQ(offering.name(), "organizations/acme/offerings/tinkerers");
  EXPECT_NE(offering.uid(), input.uid());
  EXPECT_FALSE(offering.uid().empty());
  EXPECT_EQ(offering.revision(), 1);
  EXPECT_EQ(offering.designed_for_revision(), 2);
  EXPECT_NE(offering.etag(), input.etag());
  EXPECT_TRUE(offering.has_create_time());
  EXPECT_EQ(offering.display_name(), "Postgres for tinkerers");
  EXPECT_EQ(offering.knobs_size(), 1);
  EXPECT_TRUE(SameMessage(GetOffering(offering.name()).value, offering));
}

TEST_F(OfferingMethodsTest, AnOfferingWithoutIdGetsAGeneratedOne) {
  auto created = CreateOffering("", ManagedPostgres(kOneClick, "One click"));
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_TRUE(created.value.name().starts_with("organizations/acme/offerings/"));
  const v1::Offering read = GetOffering(created.value.name()).value;
  EXPECT_TRUE(SameMessage(read, created.value))
      << read.DebugString() << created.value.DebugString();
}

TEST_F(OfferingMethodsTest, CreatingAnExistingIdIsAlreadyExists) {
  auto again = CreateOffering("managed-postgresql", ManagedPostgres());
  EXPECT_EQ(again.code(), grpc::StatusCode::ALREADY_EXISTS) << Describe(again.status);
  EXPECT_EQ(GetOffering("organizations/acme/offerings/nothing").code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetDecision(std::string(kManagedPostgres) + "/decisions/nothing").code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OfferingMethodsTest, AnUpdateChangesOnlyTheFieldsInTheMask) {
  const v1::Offering before = GetOffering(kManagedPostgres).value;
  v1::Offering change = before;
  change.set_display_name("Renamed in the message only");
  change.set_positioning("Control without the pager.");
  change.set_revision(99);

  auto updated = UpdateOffering(change, {"positioning"});

  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.positioning(), "Control without the pager.");
  EXPECT_EQ(updated.value.display_name(), before.display_name());
  EXPECT_EQ(updated.value.revision(), before.revision() + 1);
  EXPECT_EQ(updated.value.designed_for_revision(), before.designed_for_revision());
  EXPECT_NE(updated.value.etag(), before.etag());
  EXPECT_TRUE(SameMessage(GetOffering(kManagedPostgres).value, updated.value));
}

TEST_F(OfferingMethodsTest, AWildcardMaskReplacesListsAndClearsWhatIsUnset) {
  v1::Offering change = GetOffering(kManagedPostgres).value;
  change.clear_knobs();
  *change.add_knobs() = MakeKnob("max_connections", v1::Knob::ADVANCED, "tuning");
  *change.add_knobs() =
      MakeKnob("wal_level", v1::Knob::EXPOSED, "replication_and_failover_control");
  change.clear_onboarding();

  auto updated = UpdateOffering(change, {"*"});

  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  ASSERT_EQ(updated.value.knobs_size(), 2);
  EXPECT_EQ(updated.value.knobs(0).key(), "max_connections");
  EXPECT_EQ(updated.value.onboarding(), "");
  EXPECT_EQ(updated.value.target_segment(), kDiy);
}

TEST_F(OfferingMethodsTest, AStaleEtagIsAbortedAndChangesNothing) {
  const v1::Offering first = GetOffering(kManagedPostgres).value;
  v1::Offering change = first;
  change.set_positioning("First writer wins.");
  auto updated = UpdateOffering(change, {"positioning"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);

  // `first.etag()` is stale now.
  change.set_positioning("Second writer loses.");
  auto stale_update = UpdateOffering(change, {"positioning"});
  EXPECT_EQ(stale_update.code(), grpc::StatusCode::ABORTED) << Describe(stale_update.status);
  EXPECT_EQ(ErrorReason(stale_update.status), "ETAG_MISMATCH");
  v1::RetargetOfferingRequest retarget;
  retarget.set_name(kManagedPostgres);
  retarget.set_target_segment(kOneClick);
  retarget.set_rationale("Leadership chose one-click customers.");
  retarget.set_etag(first.etag());
  EXPECT_EQ(RetargetOffering(retarget).code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(DeleteOffering(kManagedPostgres, first.etag()).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(SameMessage(GetOffering(kManagedPostgres).value, updated.value));

  // With the current etag each succeeds.
  retarget.set_etag(updated.value.etag());
  auto retargeted = RetargetOffering(retarget);
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  EXPECT_TRUE(DeleteOffering(kManagedPostgres, retargeted.value.etag()).ok());
}

TEST_F(OfferingMethodsTest, AStaleDecisionEtagIsAborted) {
  const v1::Decision first = GetDecision(kHideKnobs).value;
  v1::Decision change = first;
  change.set_how("Expose five settings.");
  auto updated = UpdateDecision(change, {"how"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_NE(updated.value.etag(), first.etag());

  change.set_how("Expose six settings.");
  EXPECT_EQ(UpdateDecision(change, {"how"}).code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(DeleteDecision(kHideKnobs, first.etag()).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(GetDecision(kHideKnobs).value.how(), "Expose five settings.");
  EXPECT_TRUE(DeleteDecision(kHideKnobs, updated.value.etag()).ok());
  EXPECT_EQ(GetDecision(kHideKnobs).code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(OfferingMethodsTest, ARepeatedCreateRequestIdReturnsTheFirstOffering) {
  auto first = CreateOffering("", ManagedPostgres(kOneClick, "One click"), "create-once");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  auto replay = CreateOffering("", ManagedPostgres(kOneClick, "One click"), "create-once");
  ASSERT_TRUE(replay.ok()) << Describe(replay.status);

  EXPECT_TRUE(SameMessage(replay.value, first.value)) << replay.value.DebugString();
  EXPECT_THAT(AllOfferings(), SizeIs(2));
  EXPECT_EQ(CountEventsOfType("throughline.offering.v1.offering_created"), 2u);

  auto different = CreateOffering("", ManagedPostgres(kOneClick, "Different"), "create-once");
  EXPECT_EQ(different.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(different.status), ElementsAre("request_id"));
}

TEST_F(OfferingMethodsTest, ARepeatedRetargetRequestIdReturnsTheFirstResult) {
  auto first = Retarget(kManagedPostgres, kOneClick, "Leadership chose one-click customers.",
                        "retarget-once");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  // The offering moves on before the client retries.
  v1::Offering change = first.value;
  change.set_positioning("One click, done.");
  ASSERT_TRUE(UpdateOffering(change, {"positioning"}).ok());

  auto replay = Retarget(kManagedPostgres, kOneClick, "Leadership chose one-click customers.",
                         "retarget-once");

  ASSERT_TRUE(replay.ok()) << Describe(replay.status);
  EXPECT_TRUE(SameMessage(replay.value, first.value)) << replay.value.DebugString();
  EXPECT_EQ(GetOffering(kManagedPostgres).value.positioning(), "One click, done.");
  EXPECT_EQ(CountEventsOfType("throughline.offering.v1.offering_retargeted"), 1u);

  auto different = Retarget(kManagedPostgres, kDiy, "Back to DIY.", "retarget-once");
  EXPECT_EQ(different.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(different.status), ElementsAre("request_id"));
  EXPECT_EQ(GetOffering(kManagedPostgres).value.target_segment(), kOneClick);
}

TEST_F(OfferingMethodsTest, ARepeatedDecisionRequestIdReturnsTheFirstDecision) {
  auto first = CreateDecision(kManagedPostgres, "", MarkerDecision(), "decide-once");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  auto replay = CreateDecision(kManagedPostgres, "", MarkerDecision(), "decide-once");
  ASSERT_TRUE(replay.ok()) << Describe(replay.status);
  EXPECT_TRUE(SameMessage(replay.value, first.value));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres), ElementsAre(kHideKnobs, first.value.name()));
}

TEST_F(OfferingMethodsTest, ListingPagesThroughEveryOfferingInCreationOrder) {
  std::vector<std::string> expected = {kManagedPostgres};
  for (int i = 0; i < 4; ++i) {
    auto created = CreateOffering(absl::StrCat("offering-", i),
                                  ManagedPostgres(i % 2 ? kDiy : kOneClick, "Variant"));
    ASSERT_TRUE(created.ok()) << Describe(created.status);
    expected.push_back(created.value.name());
  }

  auto page = ListOfferings(kAcme, "", 2);
  ASSERT_TRUE(page.ok()) << Describe(page.status);
  EXPECT_EQ(page.value.offerings_size(), 2);
  EXPECT_FALSE(page.value.next_page_token().empty());

  EXPECT_THAT(Names(AllOfferings(kAcme, "", 2)), ElementsAreArray(expected));
  EXPECT_THAT(Names(AllOfferings(kAcme, "", 1)), ElementsAreArray(expected));
  auto all = ListOfferings(kAcme, "", 5);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all.value.offerings_size(), 5);
  EXPECT_TRUE(all.value.next_page_token().empty());
}

TEST_F(OfferingMethodsTest, FilteringByTargetSegmentListsTheOfferingsTargetingIt) {
  auto one_click = CreateOffering("one-click-postgres", ManagedPostgres(kOneClick, "One click"));
  ASSERT_TRUE(one_click.ok()) << Describe(one_click.status);
  auto tinkerers = CreateOffering("tinkerers", ManagedPostgres(kDiy, "Tinkerers"));
  ASSERT_TRUE(tinkerers.ok()) << Describe(tinkerers.status);

  EXPECT_THAT(Names(AllOfferings(kAcme, TargetFilter(kDiy))),
              ElementsAre(kManagedPostgres, tinkerers.value.name()));
  EXPECT_THAT(Names(AllOfferings(kAcme, TargetFilter(kDiy), 1)),
              ElementsAre(kManagedPostgres, tinkerers.value.name()));
  EXPECT_THAT(Names(AllOfferings(kAcme, TargetFilter(kOneClick))),
              ElementsAre(one_click.value.name()));
  EXPECT_THAT(AllOfferings(kAcme, TargetFilter(std::string(kMarket) + "/segments/nobody")),
              IsEmpty());

  ASSERT_TRUE(Retarget(kManagedPostgres, kOneClick).ok());
  EXPECT_THAT(Names(AllOfferings(kAcme, TargetFilter(kDiy))), ElementsAre(tinkerers.value.name()));
  EXPECT_THAT(Names(AllOfferings(kAcme, TargetFilter(kOneClick))),
              ElementsAre(kManagedPostgres, one_click.value.name()));
}

TEST_F(OfferingMethodsTest, DecisionsFilterByStateAndOwningFunction) {
  v1::Decision sales = MarkerDecision();
  sales.set_title("Sell through DBAs");
  sales.set_owning_function("sales");
  sales.set_state(v1::Decision::ACCEPTED);
  ASSERT_TRUE(CreateDecision(kManagedPostgres, "sell-through-dbas", sales).ok());
  v1::Decision proposed = HideMostKnobs(v1::Decision::PROPOSED);
  proposed.set_title("Default to synchronous replication");
  ASSERT_TRUE(CreateDecision(kManagedPostgres, "sync-replication", proposed).ok());
  const std::string sell = std::string(kManagedPostgres) + "/decisions/sell-through-dbas";
  const std::string sync = std::string(kManagedPostgres) + "/decisions/sync-replication";

  EXPECT_THAT(AllDecisionNames(kManagedPostgres), ElementsAre(kHideKnobs, sell, sync));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "", 1), ElementsAre(kHideKnobs, sell, sync));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = ACCEPTED"),
              ElementsAre(kHideKnobs, sell));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = PROPOSED"), ElementsAre(sync));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "owning_function = \"engineering\""),
              ElementsAre(kHideKnobs, sync));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = ACCEPTED AND owning_function = sales"),
              ElementsAre(sell));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = SUPERSEDED"), IsEmpty());

  // An update moves a decision between filters.
  v1::Decision accepted = GetDecision(sync).value;
  accepted.set_state(v1::Decision::ACCEPTED);
  ASSERT_TRUE(UpdateDecision(accepted, {"state"}).ok());
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = PROPOSED"), IsEmpty());
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, "state = ACCEPTED"),
              ElementsAre(kHideKnobs, sell, sync));
}

TEST_F(OfferingMethodsTest, TheDashParentListsTheDecisionsOfEveryOfferingTargetingASegment) {
  auto tinkerers = CreateOffering("tinkerers", ManagedPostgres(kDiy, "Tinkerers"));
  ASSERT_TRUE(tinkerers.ok()) << Describe(tinkerers.status);
  auto one_click = CreateOffering("one-click-postgres", ManagedPostgres(kOneClick, "One click"));
  ASSERT_TRUE(one_click.ok()) << Describe(one_click.status);
  v1::Decision accepted = MarkerDecision();
  accepted.set_state(v1::Decision::ACCEPTED);
  ASSERT_TRUE(CreateDecision(tinkerers.value.name(), "expose-knobs", accepted).ok());
  ASSERT_TRUE(CreateDecision(one_click.value.name(), "one-button", accepted).ok());
  v1::Decision proposed = MarkerDecision();
  proposed.set_state(v1::Decision::PROPOSED);
  ASSERT_TRUE(CreateDecision(tinkerers.value.name(), "maybe", proposed).ok());
  const std::string every = std::string(kAcme) + "/offerings/-";
  const std::string expose = tinkerers.value.name() + "/decisions/expose-knobs";
  const std::string maybe = tinkerers.value.name() + "/decisions/maybe";
  const std::string button = one_click.value.name() + "/decisions/one-button";

  EXPECT_THAT(AllDecisionNames(every), ElementsAre(kHideKnobs, expose, button, maybe));
  EXPECT_THAT(AllDecisionNames(every, "", 1), ElementsAre(kHideKnobs, expose, button, maybe));
  const std::string accepted_for_diy = "state = ACCEPTED AND " + TargetFilter(kDiy);
  EXPECT_THAT(AllDecisionNames(every, accepted_for_diy), ElementsAre(kHideKnobs, expose));
  EXPECT_THAT(AllDecisionNames(every, accepted_for_diy, 1), ElementsAre(kHideKnobs, expose));
  EXPECT_THAT(AllDecisionNames(every, TargetFilter(kOneClick)), ElementsAre(button));
  // With one offering as the parent, the filter narrows that offering's decisions.
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, TargetFilter(kDiy)), ElementsAre(kHideKnobs));
  EXPECT_THAT(AllDecisionNames(kManagedPostgres, TargetFilter(kOneClick)), IsEmpty());

  // The filter follows the offerings' current target.
  ASSERT_TRUE(Retarget(kManagedPostgres, kOneClick).ok());
  EXPECT_THAT(AllDecisionNames(every, accepted_for_diy), ElementsAre(expose));
  EXPECT_THAT(AllDecisionNames(every, TargetFilter(kOneClick)), ElementsAre(kHideKnobs, button));
}

TEST_F(OfferingMethodsTest, ATargetSegmentFilterMustNameASegmentOfTheCallersOrganization) {
  const std::string every = std::string(kAcme) + "/offerings/-";
  auto not_a_segment = ListDecisions(every, TargetFilter(kManagedPostgres));
  EXPECT_EQ(not_a_segment.code(), grpc::StatusCode::INVALID_ARGUMENT)
      << Describe(not_a_segment.status);
  EXPECT_THAT(ViolatedFields(not_a_segment.status), ElementsAre("filter"));
  auto globex = ListDecisions(
      every, TargetFilter("organizations/globex/markets/cloud-databases/segments/diy-power-users"));
  EXPECT_EQ(globex.code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(globex.status);
  EXPECT_EQ(ErrorReason(globex.status), "WRONG_ORGANIZATION");
  auto unknown_key = ListDecisions(every, "target = \"x\"");
  EXPECT_EQ(unknown_key.code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Another organization's "-" is refused like its offerings.
  auto other = ListDecisions("organizations/globex/offerings/-", "", 0, "", kAcmeViewer);
  EXPECT_EQ(other.code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(other.status);
  // A page token is bound to its parent and filter.
  ASSERT_TRUE(CreateDecision(kManagedPostgres, "second", MarkerDecision()).ok());
  auto first = ListDecisions(every, "", 1);
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  ASSERT_FALSE(first.value.next_page_token().empty());
  auto replayed = ListDecisions(every, TargetFilter(kDiy), 1, first.value.next_page_token());
  EXPECT_EQ(replayed.code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(replayed.status);
}

TEST_F(OfferingMethodsTest, DecisionsOfAMissingOfferingAreNotFound) {
  EXPECT_EQ(ListDecisions("organizations/acme/offerings/nothing").code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CreateDecision("organizations/acme/offerings/nothing", "", MarkerDecision()).code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(EvaluateCoherence("organizations/acme/offerings/nothing").code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OfferingMethodsTest, AnotherOrganizationCanNeitherReadNorChangeAcmesOfferings) {
  const v1::Offering offering = GetOffering(kManagedPostgres).value;
  auto expect_denied = [](const grpc::Status& status, const char* what) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << what << ": " << Describe(status);
    EXPECT_EQ(ErrorReason(status), "WRONG_ORGANIZATION") << what;
  };

  expect_denied(GetOffering(kManagedPostgres, kGlobexEditor).status, "get");
  expect_denied(ListOfferings(kAcme, "", 0, "", kGlobexEditor).status, "list");
  expect_denied(CreateOffering("stolen", ManagedPostgres(), "", kAcme, kGlobexEditor).status,
                "create");
  v1::Offering change = offering;
  change.set_positioning("Globex was here.");
  expect_denied(UpdateOffering(change, {"positioning"}, kGlobexEditor).status, "update");
  expect_denied(DeleteOffering(kManagedPostgres, "", kGlobexEditor), "delete");
  v1::RetargetOfferingRequest retarget;
  retarget.set_name(kManagedPostgres);
  retarget.set_target_segment(kOneClick);
  retarget.set_rationale("Globex decides.");
  expect_denied(RetargetOffering(retarget, kGlobexEditor).status, "retarget");
  expect_denied(GetDecision(kHideKnobs, kGlobexEditor).status, "get decision");
  expect_denied(ListDecisions(kManagedPostgres, "", 0, "", kGlobexEditor).status, "list decisions");
  expect_denied(CreateDecision(kManagedPostgres, "", MarkerDecision(), "", kGlobexEditor).status,
                "create decision");
  expect_denied(UpdateDecision(GetDecision(kHideKnobs).value, {"how"}, kGlobexEditor).status,
                "update decision");
  expect_denied(DeleteDecision(kHideKnobs, "", kGlobexEditor), "delete decision");
  expect_denied(EvaluateCoherence(kManagedPostgres, nullptr, kGlobexEditor).status, "evaluate");

  v1::WatchOfferingEventsRequest watch;
  watch.set_parent(kAcme);
  auto context = Authorized(kGlobexEditor);
  auto reader = offering_stub().WatchOfferingEvents(context.get(), watch);
  v1::WatchOfferingEventsResponse response;
  EXPECT_FALSE(reader->Read(&response));
  expect_denied(reader->Finish(), "watch");

  EXPECT_TRUE(SameMessage(GetOffering(kManagedPostgres).value, offering));
  EXPECT_TRUE(GetDecision(kHideKnobs).ok());
}

TEST_F(OfferingMethodsTest, AnOrganizationSeesNothingOfAnother) {
  // Globex builds its own copy of the scenario under the same ids.
  ASSERT_TRUE(CreateMarket("cloud-databases", CloudDatabases(), kGlobex, kGlobexEditor).ok());
  const std::string globex_market = "organizations/globex/markets/cloud-databases";
  ASSERT_TRUE(CreateSegment(globex_market, "diy-power-users", DiyPowerUsers(), kGlobexEditor).ok());
  const std::string globex_diy = globex_market + "/segments/diy-power-users";
  auto globex =
      CreateOffering("managed-postgresql", ManagedPostgres(globex_diy), "", kGlobex, kGlobexEditor);
  ASSERT_TRUE(globex.ok()) << Describe(globex.status);
  EXPECT_EQ(globex.value.name(), "organizations/globex/offerings/managed-postgresql");

  EXPECT_THAT(Names(AllOfferings(kGlobex, "", 100, kGlobexEditor)),
              ElementsAre(globex.value.name()));
  EXPECT_THAT(Names(AllOfferings(kAcme)), ElementsAre(kManagedPostgres));
  // A filter naming the other organization's segment is refused like its name would be.
  EXPECT_EQ(ListOfferings(kGlobex, TargetFilter(kDiy), 100, "", kGlobexEditor).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListOfferings(kAcme, TargetFilter(globex_diy), 100).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(ListDecisions(globex.value.name(), "", 0, "", kGlobexEditor).value.decisions(),
              IsEmpty());
  // Globex's reports and events are its own.
  auto report = EvaluateCoherence(globex.value.name(), nullptr, kGlobexEditor);
  ASSERT_TRUE(report.ok()) << Describe(report.status);
  EXPECT_EQ(report.value.segment(), globex_diy);
  EXPECT_THAT(report.value.findings(), IsEmpty());
  for (const auto& e : EventsSince("")) {
    EXPECT_TRUE(Subject(e.event()).starts_with("organizations/acme/")) << Subject(e.event());
  }
  // A page token of one organization's listing does not page through another's.
  ASSERT_TRUE(CreateOffering("second", ManagedPostgres(kDiy, "Second")).ok());
  auto acme_page = ListOfferings(kAcme, "", 1);
  ASSERT_FALSE(acme_page.value.next_page_token().empty());
  EXPECT_EQ(ListOfferings(kGlobex, "", 1, acme_page.value.next_page_token(), kGlobexEditor).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(OfferingMethodsTest, ViewersReadButDoNotWriteAndStrangersAreUnauthenticated) {
  EXPECT_TRUE(GetOffering(kManagedPostgres, kAcmeViewer).ok());
  EXPECT_TRUE(EvaluateCoherence(kManagedPostgres, nullptr, kAcmeViewer).ok());
  auto created = CreateOffering("viewer-made", ManagedPostgres(), "", kAcme, kAcmeViewer);
  EXPECT_EQ(created.code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ErrorReason(created.status), "ROLE_TOO_LOW");
  EXPECT_EQ(CreateDecision(kManagedPostgres, "", MarkerDecision(), "", kAcmeViewer).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetOffering(kManagedPostgres, "").code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetOffering(kManagedPostgres, "not-a-token").code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(AllOfferings(), SizeIs(1));
}

}  // namespace
}  // namespace throughline::offering::testing

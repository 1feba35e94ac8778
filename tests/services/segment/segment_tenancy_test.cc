// Tenancy and authentication: the token decides the organization, one organization can neither
// read nor change another's resources by any route, and roles limit what a caller may do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kAcmeMarket[] = "organizations/acme/markets/cloud-databases";
constexpr char kAcmeSegment[] = "organizations/acme/markets/cloud-databases/segments/diy";
constexpr char kGlobexMarket[] = "organizations/globex/markets/cloud-databases";

// acme and globex both have a market "cloud-databases" with a segment "diy".
class SegmentTenancyTest : public SegmentServiceTest {
 protected:
  void SetUp() override {
    SegmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    acme_market_ = MustCreateMarket("cloud-databases");
    acme_segment_ = MustCreateSegment(acme_market_.name(), "diy");
    globex_market_ = MustCreateMarket("cloud-databases", SampleMarket("Globex databases"), kGlobex,
                                      kGlobexEditor);
    globex_segment_ =
        MustCreateSegment(globex_market_.name(), "diy", SampleSegment("Globex DIY"), kGlobexEditor);
    ASSERT_EQ(acme_market_.name(), kAcmeMarket);
    ASSERT_EQ(acme_segment_.name(), kAcmeSegment);
    acme_cursor_ = CurrentCursor();
  }

  // acme's resources are exactly as they were, and acme's log has nothing new.
  void ExpectAcmeUntouched() {
    EXPECT_TRUE(
        MessageDifferencer::Equals(GetMarket(kAcmeViewer, kAcmeMarket).value, acme_market_));
    EXPECT_TRUE(
        MessageDifferencer::Equals(GetSegment(kAcmeViewer, kAcmeSegment).value, acme_segment_));
    ExpectNoEventsSince(acme_cursor_);
  }

  static void ExpectWrongOrganization(const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
    EXPECT_EQ(ErrorReason(status), "WRONG_ORGANIZATION") << Describe(status);
  }

  static void ExpectRoleTooLow(const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
    EXPECT_EQ(ErrorReason(status), "ROLE_TOO_LOW") << Describe(status);
  }

  v1::Market acme_market_, globex_market_;
  v1::Segment acme_segment_, globex_segment_;
  std::string acme_cursor_;
};

TEST_F(SegmentTenancyTest, OtherOrganizationCannotReadByName) {
  auto market = GetMarket(kGlobexEditor, kAcmeMarket);
  ExpectWrongOrganization(market.status);
  EXPECT_THAT(market.value.name(), IsEmpty());
  auto segment = GetSegment(kGlobexEditor, kAcmeSegment);
  ExpectWrongOrganization(segment.status);
  EXPECT_THAT(segment.value.name(), IsEmpty());
  // A name that does not exist answers the same: no probing for existence.
  ExpectWrongOrganization(GetMarket(kGlobexEditor, "organizations/acme/markets/nope").status);
  ExpectWrongOrganization(
      GetSegment(kGlobexEditor, "organizations/acme/markets/nope/segments/nope").status);
}

TEST_F(SegmentTenancyTest, OtherOrganizationCannotListByParent) {
  auto markets = ListMarkets(kGlobexEditor, kAcme);
  ExpectWrongOrganization(markets.status);
  EXPECT_THAT(markets.value.markets(), IsEmpty());
  auto segments = ListSegments(kGlobexEditor, kAcmeMarket);
  ExpectWrongOrganization(segments.status);
  EXPECT_THAT(segments.value.segments(), IsEmpty());
  auto all = ListSegments(kGlobexEditor, "organizations/acme/markets/-");
  ExpectWrongOrganization(all.status);
  EXPECT_THAT(all.value.segments(), IsEmpty());
}

TEST_F(SegmentTenancyTest, OtherOrganizationCannotReachAcmeThroughAFilter) {
  auto filtered = ListSegments(kGlobexEditor, "organizations/globex/markets/-", 0, "",
                               absl::StrCat("market = \"", kAcmeMarket, "\""));
  ExpectWrongOrganization(filtered.status);
  EXPECT_THAT(filtered.value.segments(), IsEmpty());
  auto under_market = ListSegments(kGlobexEditor, kGlobexMarket, 0, "",
                                   absl::StrCat("market = \"", kAcmeMarket, "\""));
  EXPECT_NE(under_market.code(), grpc::StatusCode::OK);
  EXPECT_THAT(under_market.value.segments(), IsEmpty());

  // Globex's own listing holds only globex's segment.
  std::vector<std::string> names;
  for (const auto& segment :
       AllSegments("organizations/globex/markets/-", "", 100, kGlobexEditor)) {
    names.push_back(segment.name());
  }
  EXPECT_THAT(names, ElementsAre(globex_segment_.name()));
}

TEST_F(SegmentTenancyTest, OtherOrganizationCannotChangeOrDelete) {
  v1::Market market = acme_market_;
  market.set_display_name("Taken over");
  ExpectWrongOrganization(UpdateMarket(kGlobexEditor, market, {"display_name"}).status);
  v1::Segment segment = acme_segment_;
  segment.set_targeting(v1::Segment::DEPRIORITIZED);
  ExpectWrongOrganization(UpdateSegment(kGlobexEditor, segment, {"targeting"}).status);
  ExpectWrongOrganization(DeleteSegment(kGlobexEditor, kAcmeSegment));
  ExpectWrongOrganization(DeleteMarket(kGlobexEditor, kAcmeMarket, "", /*force=*/true));
  ExpectWrongOrganization(CreateMarket(kGlobexEditor, kAcme, "planted", SampleMarket()).status);
  ExpectWrongOrganization(
      CreateSegment(kGlobexEditor, kAcmeMarket, "planted", SampleSegment()).status);
  // Invalid content does not change the answer: authorization comes first.
  ExpectWrongOrganization(CreateMarket(kGlobexEditor, kAcme, "planted", v1::Market()).status);
  ExpectAcmeUntouched();
}

TEST_F(SegmentTenancyTest, OtherOrganizationCannotWatchAcmeEvents) {
  const Events by_parent = ReadEvents("", 1, kGlobexEditor, kAcme);
  ExpectWrongOrganization(by_parent.status);
  EXPECT_THAT(by_parent.responses, IsEmpty());
  const Events by_subject =
      ReadEvents("", 1, kGlobexEditor, kGlobex, absl::StrCat("subject = \"", kAcmeMarket, "\""));
  ExpectWrongOrganization(by_subject.status);
  EXPECT_THAT(by_subject.responses, IsEmpty());
  const Events every_organization = ReadEvents("", 1, kGlobexEditor, "organizations/-");
  EXPECT_EQ(every_organization.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << Describe(every_organization.status);
  EXPECT_THAT(every_organization.responses, IsEmpty());
}

TEST_F(SegmentTenancyTest, EventsOfAnotherOrganizationNeverAppear) {
  // Interleave writes of both organizations, then read globex's log up to a globex marker.
  for (int i = 0; i < 5; ++i) {
    v1::Segment acme;
    acme.set_name(acme_segment_.name());
    acme.set_priority(i + 10);
    ASSERT_TRUE(UpdateSegment(kAcmeEditor, acme, {"priority"}).ok());
    v1::Segment globex;
    globex.set_name(globex_segment_.name());
    globex.set_priority(i + 10);
    ASSERT_TRUE(UpdateSegment(kGlobexEditor, globex, {"priority"}).ok());
  }
  const v1::Market marker =
      MustCreateMarket("marker", SampleMarket("Marker"), kGlobex, kGlobexEditor);
  const Events events = ReadEventsUntil(
      "", [&](const auto& r) { return Subject(r.event()) == marker.name(); }, kGlobexEditor,
      kGlobex);
  ASSERT_FALSE(events.responses.empty()) << Describe(events.status);
  EXPECT_EQ(Subject(events.responses.back().event()), marker.name());
  // market + segment created, 5 changes, the marker.
  EXPECT_EQ(events.responses.size(), 8u);
  EXPECT_THAT(events.Subjects(), Each(StartsWith("organizations/globex/")));
  for (const auto& response : events.responses) {
    EXPECT_EQ(AttributeString(response.event(), "organization"), "globex");
    EXPECT_THAT(response.event().source(), HasSubstr("organizations/globex"));
  }
  // acme's cursor does not open globex's log to acme, nor acme's to globex.
  const Events resumed = ReadEventsUntil(
      acme_cursor_, [&](const auto& r) { return Subject(r.event()) == marker.name(); },
      kGlobexEditor, kGlobex);
  EXPECT_THAT(resumed.Subjects(), Each(StartsWith("organizations/globex/")));
}

TEST_F(SegmentTenancyTest, SameIdsInTwoOrganizationsAreDistinctResources) {
  EXPECT_NE(acme_market_.uid(), globex_market_.uid());
  EXPECT_EQ(GetMarket(kGlobexEditor, kGlobexMarket).value.display_name(), "Globex databases");
  ASSERT_TRUE(DeleteMarket(kGlobexEditor, kGlobexMarket, "", /*force=*/true).ok());
  EXPECT_EQ(GetMarket(kGlobexEditor, kGlobexMarket).code(), grpc::StatusCode::NOT_FOUND);
  ExpectAcmeUntouched();
}

TEST_F(SegmentTenancyTest, RequestIdsAreScopedToTheOrganization) {
  auto acme = CreateMarket(kAcmeEditor, kAcme, "", SampleMarket("Acme idempotent"), "shared-id");
  ASSERT_TRUE(acme.ok()) << Describe(acme.status);
  // The same request_id and body in globex is a new request, not a replay of acme's.
  auto globex =
      CreateMarket(kGlobexEditor, kGlobex, "", SampleMarket("Acme idempotent"), "shared-id");
  ASSERT_TRUE(globex.ok()) << Describe(globex.status);
  EXPECT_THAT(globex.value.name(), StartsWith("organizations/globex/markets/"));
  EXPECT_NE(globex.value.uid(), acme.value.uid());
}

TEST_F(SegmentTenancyTest, PageTokenOfAnotherOrganizationIsRejected) {
  MustCreateSegment(kAcmeMarket, "second");
  auto page = ListSegments(kAcmeViewer, "organizations/acme/markets/-", 1);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page.value.next_page_token().empty());
  auto reused = ListSegments(kGlobexEditor, "organizations/globex/markets/-", 1,
                             page.value.next_page_token());
  EXPECT_EQ(reused.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(reused.status), ElementsAre("page_token"));
}

TEST_F(SegmentTenancyTest, MissingOrUnknownTokenIsUnauthenticated) {
  const auto expect_unauthenticated = [&](const std::function<void(grpc::ClientContext*)>& auth) {
    auto context = Authorized("");
    auth(context.get());
    v1::GetMarketRequest get;
    get.set_name(kAcmeMarket);
    v1::Market market;
    const grpc::Status status = stub().GetMarket(context.get(), get, &market);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
    EXPECT_THAT(market.name(), IsEmpty());
  };
  expect_unauthenticated([](grpc::ClientContext*) {});
  expect_unauthenticated(
      [](grpc::ClientContext* c) { c->AddMetadata("authorization", "Bearer not-a-token"); });
  expect_unauthenticated(
      [](grpc::ClientContext* c) { c->AddMetadata("authorization", "Bearer "); });
  expect_unauthenticated([](grpc::ClientContext* c) {
    c->AddMetadata("authorization", absl::StrCat("Basic ", kAcmeAdmin));
  });
  expect_unauthenticated(
      [](grpc::ClientContext* c) { c->AddMetadata("authorization", kAcmeAdmin); });
  // Two credentials are one too many, even when both are valid.
  expect_unauthenticated([](grpc::ClientContext* c) {
    c->AddMetadata("authorization", absl::StrCat("Bearer ", kAcmeAdmin));
    c->AddMetadata("authorization", absl::StrCat("Bearer ", kGlobexEditor));
  });

  EXPECT_EQ(CreateMarket("", kAcme, "m", SampleMarket()).code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListSegments("wrong", "organizations/acme/markets/-").code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DeleteMarket("wrong", kAcmeMarket).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const Events events = ReadEvents("", 1, "wrong", kAcme);
  EXPECT_EQ(events.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(events.responses, IsEmpty());
  ExpectAcmeUntouched();
}

TEST_F(SegmentTenancyTest, ViewerAndOwnerCanReadButNotWrite) {
  for (const char* token : {kAcmeViewer, kAcmeOwner}) {
    SCOPED_TRACE(token);
    EXPECT_TRUE(GetMarket(token, kAcmeMarket).ok());
    EXPECT_TRUE(GetSegment(token, kAcmeSegment).ok());
    EXPECT_EQ(ListMarkets(token, kAcme).value.markets_size(), 2);  // with the cursor marker
    EXPECT_EQ(ListSegments(token, "organizations/acme/markets/-").value.segments_size(), 1);
    const Events events = ReadEvents("", 1, token, kAcme);
    EXPECT_EQ(events.responses.size(), 1u) << Describe(events.status);

    ExpectRoleTooLow(CreateMarket(token, kAcme, "new", SampleMarket()).status);
    ExpectRoleTooLow(CreateSegment(token, kAcmeMarket, "new", SampleSegment()).status);
    v1::Market market = acme_market_;
    market.set_display_name("Changed");
    ExpectRoleTooLow(UpdateMarket(token, market, {"display_name"}).status);
    v1::Segment segment = acme_segment_;
    segment.set_priority(9);
    ExpectRoleTooLow(UpdateSegment(token, segment, {"priority"}).status);
    ExpectRoleTooLow(DeleteSegment(token, kAcmeSegment));
    ExpectRoleTooLow(DeleteMarket(token, kAcmeMarket, "", /*force=*/true));
  }
  ExpectAcmeUntouched();
}

TEST_F(SegmentTenancyTest, AdminAndEditorCanWrite) {
  for (const char* token : {kAcmeAdmin, kAcmeEditor}) {
    SCOPED_TRACE(token);
    auto market = CreateMarket(token, kAcme, "", SampleMarket());
    ASSERT_TRUE(market.ok()) << Describe(market.status);
    auto segment = CreateSegment(token, market.value.name(), "s", SampleSegment());
    ASSERT_TRUE(segment.ok()) << Describe(segment.status);
    v1::Segment change = segment.value;
    change.set_priority(5);
    EXPECT_TRUE(UpdateSegment(token, change, {"priority"}).ok());
    EXPECT_TRUE(DeleteMarket(token, market.value.name(), "", /*force=*/true).ok());
  }
}

}  // namespace
}  // namespace throughline::segment::testing

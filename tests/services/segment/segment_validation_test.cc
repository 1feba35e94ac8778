// Every invalid input is INVALID_ARGUMENT with a BadRequest violation naming the exact field,
// and a rejected request writes nothing: the listings are unchanged and no event is emitted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "google/protobuf/util/message_differencer.h"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAreArray;

// One invalid request and the fields its error must name, in order.
struct Case {
  std::string label;
  std::function<grpc::Status()> call;
  std::vector<std::string> fields;
};

v1::Market MarketWith(const std::function<void(v1::Market&)>& change) {
  v1::Market market = SampleMarket();
  change(market);
  return market;
}

v1::Segment SegmentWith(const std::function<void(v1::Segment&)>& change) {
  v1::Segment segment = SampleSegment();
  change(segment);
  return segment;
}

class SegmentValidationTest : public SegmentServiceTest {
 protected:
  void SetUp() override {
    SegmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    market_ = MustCreateMarket("cloud-databases");
    segment_ = MustCreateSegment(market_.name(), "diy");
    cursor_ = CurrentCursor();
    markets_before_ = AllMarkets();
    segments_before_ = AllSegments();
  }

  // Runs every case, then checks that none of them wrote anything.
  void ExpectEachRejected(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.label);
      const grpc::Status status = c.call();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
      EXPECT_EQ(ErrorReason(status), "INVALID_ARGUMENT");
      EXPECT_THAT(ViolatedFields(status), ElementsAreArray(c.fields)) << status.error_message();
    }
    ExpectNothingWritten();
  }

  void ExpectNothingWritten() {
    const auto markets = AllMarkets();
    ASSERT_EQ(markets.size(), markets_before_.size());
    for (size_t i = 0; i < markets.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(markets[i], markets_before_[i]))
          << markets[i].ShortDebugString();
    }
    const auto segments = AllSegments();
    ASSERT_EQ(segments.size(), segments_before_.size());
    for (size_t i = 0; i < segments.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(segments[i], segments_before_[i]))
          << segments[i].ShortDebugString();
    }
    ExpectNoEventsSince(cursor_);
  }

  grpc::Status CreateMarketStatus(const std::string& market_id, const v1::Market& market,
                                  const std::string& parent = kAcme,
                                  const std::string& request_id = "") {
    return CreateMarket(kAcmeEditor, parent, market_id, market, request_id).status;
  }

  grpc::Status CreateSegmentStatus(const std::string& segment_id, const v1::Segment& segment,
                                   const std::string& parent = "",
                                   const std::string& request_id = "") {
    return CreateSegment(kAcmeEditor, parent.empty() ? market_.name() : parent, segment_id, segment,
                         request_id)
        .status;
  }

  grpc::Status UpdateMarketStatus(const std::function<void(v1::Market&)>& change,
                                  std::vector<std::string> paths) {
    v1::Market market = market_;
    change(market);
    return UpdateMarket(kAcmeEditor, market, std::move(paths)).status;
  }

  grpc::Status UpdateSegmentStatus(const std::function<void(v1::Segment&)>& change,
                                   std::vector<std::string> paths) {
    v1::Segment segment = segment_;
    change(segment);
    return UpdateSegment(kAcmeEditor, segment, std::move(paths)).status;
  }

  grpc::Status WatchStatus(const std::string& parent, const std::string& after_cursor,
                           const std::string& filter) {
    return ReadEventsUntil(
               after_cursor, [](const auto&) { return true; }, kAcmeViewer, parent, filter,
               absl::Seconds(5))
        .status;
  }

  v1::Market market_;
  v1::Segment segment_;
  std::string cursor_;
  std::vector<v1::Market> markets_before_;
  std::vector<v1::Segment> segments_before_;
};

const std::string k201(201, 'x');
const std::string kLong(10'001, 'x');
const std::string kLongNote(2'001, 'x');
const std::string kLongRequestId(101, 'r');
const std::string k64(64, 'a');

TEST_F(SegmentValidationTest, InvalidCreateMarketNamesTheFieldAndWritesNothing) {
  ExpectEachRejected({
      {"empty parent", [&] { return CreateMarketStatus("m", SampleMarket(), ""); }, {"parent"}},
      {"parent without collection",
       [&] { return CreateMarketStatus("m", SampleMarket(), "acme"); },
       {"parent"}},
      {"parent with a bad organization id",
       [&] { return CreateMarketStatus("m", SampleMarket(), "organizations/ACME"); },
       {"parent"}},
      {"upper-case market_id",
       [&] { return CreateMarketStatus("Cloud", SampleMarket()); },
       {"market_id"}},
      {"market_id starting with a digit",
       [&] { return CreateMarketStatus("1cloud", SampleMarket()); },
       {"market_id"}},
      {"market_id ending with -",
       [&] { return CreateMarketStatus("cloud-", SampleMarket()); },
       {"market_id"}},
      {"market_id of 64 characters",
       [&] { return CreateMarketStatus(k64, SampleMarket()); },
       {"market_id"}},
      {"market_id with a slash",
       [&] { return CreateMarketStatus("a/b", SampleMarket()); },
       {"market_id"}},
      {"missing market",
       [&] {
         v1::CreateMarketRequest request;
         request.set_parent(kAcme);
         v1::Market response;
         auto context = Authorized(kAcmeEditor);
         return stub().CreateMarket(context.get(), request, &response);
       },
       {"market"}},
      {"missing display_name",
       [&] { return CreateMarketStatus("m", MarketWith([](auto& m) { m.clear_display_name(); })); },
       {"market.display_name"}},
      {"display_name too long",
       [&] {
         return CreateMarketStatus("m", MarketWith([](auto& m) { m.set_display_name(k201); }));
       },
       {"market.display_name"}},
      {"missing decision",
       [&] { return CreateMarketStatus("m", MarketWith([](auto& m) { m.clear_decision(); })); },
       {"market.decision"}},
      {"unknown decision",
       [&] {
         return CreateMarketStatus("m", MarketWith([](auto& m) {
                                     m.set_decision(static_cast<v1::Market::Decision>(42));
                                   }));
       },
       {"market.decision"}},
      {"missing rationale",
       [&] { return CreateMarketStatus("m", MarketWith([](auto& m) { m.clear_rationale(); })); },
       {"market.rationale"}},
      {"rationale too long",
       [&] { return CreateMarketStatus("m", MarketWith([](auto& m) { m.set_rationale(kLong); })); },
       {"market.rationale"}},
      {"empty evidence note",
       [&] {
         return CreateMarketStatus("m", MarketWith([](auto& m) { m.add_evidence_notes(""); }));
       },
       {"market.evidence_notes[1]"}},
      {"evidence note too long",
       [&] {
         return CreateMarketStatus("m",
                                   MarketWith([](auto& m) { m.set_evidence_notes(0, kLongNote); }));
       },
       {"market.evidence_notes[0]"}},
      {"too many evidence notes",
       [&] {
         return CreateMarketStatus("m", MarketWith([](auto& m) {
                                     for (int i = 0; i < 100; ++i) m.add_evidence_notes("note");
                                   }));
       },
       {"market.evidence_notes"}},
      {"request_id too long",
       [&] { return CreateMarketStatus("m", SampleMarket(), kAcme, kLongRequestId); },
       {"request_id"}},
      {"every problem at once",
       [&] {
         return CreateMarketStatus("m", MarketWith([](auto& m) {
                                     m.clear_display_name();
                                     m.clear_decision();
                                     m.clear_rationale();
                                   }));
       },
       {"market.display_name", "market.decision", "market.rationale"}},
  });
}

TEST_F(SegmentValidationTest, InvalidCreateSegmentNamesTheFieldAndWritesNothing) {
  ExpectEachRejected({
      {"parent is an organization",
       [&] { return CreateSegmentStatus("s", SampleSegment(), kAcme); },
       {"parent"}},
      {"parent is the market wildcard",
       [&] { return CreateSegmentStatus("s", SampleSegment(), "organizations/acme/markets/-"); },
       {"parent"}},
      {"parent with a bad market id",
       [&] {
         return CreateSegmentStatus("s", SampleSegment(), "organizations/acme/markets/Cloud_DB");
       },
       {"parent"}},
      {"bad segment_id",
       [&] { return CreateSegmentStatus("DIY users", SampleSegment()); },
       {"segment_id"}},
      {"segment_id of 64 characters",
       [&] { return CreateSegmentStatus(k64, SampleSegment()); },
       {"segment_id"}},
      {"missing segment",
       [&] {
         v1::CreateSegmentRequest request;
         request.set_parent(market_.name());
         v1::Segment response;
         auto context = Authorized(kAcmeEditor);
         return stub().CreateSegment(context.get(), request, &response);
       },
       {"segment"}},
      {"missing display_name",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.clear_display_name(); }));
       },
       {"segment.display_name"}},
      {"display_name too long",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.set_display_name(k201); }));
       },
       {"segment.display_name"}},
      {"description too long",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.set_description(kLong); }));
       },
       {"segment.description"}},
      {"missing targeting",
       [&] { return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.clear_targeting(); })); },
       {"segment.targeting"}},
      {"unknown targeting",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) {
                                      s.set_targeting(static_cast<v1::Segment::Targeting>(9));
                                    }));
       },
       {"segment.targeting"}},
      {"negative priority",
       [&] { return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.set_priority(-1); })); },
       {"segment.priority"}},
      {"priority above 1000",
       [&] { return CreateSegmentStatus("s", SegmentWith([](auto& s) { s.set_priority(1001); })); },
       {"segment.priority"}},
      {"dimension with upper case and dash",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(1)->set_dimension("Time-To-Value"); }));
       },
       {"segment.needs[1].dimension"}},
      {"empty dimension",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(1)->clear_dimension(); }));
       },
       {"segment.needs[1].dimension"}},
      {"dimension starting with a digit",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(0)->set_dimension("1st"); }));
       },
       {"segment.needs[0].dimension"}},
      {"dimension of 64 characters",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(0)->set_dimension(k64); }));
       },
       {"segment.needs[0].dimension"}},
      {"duplicate dimension",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) {
                                      *s.add_needs() = MakeNeed("configurability", type::v1::LOW);
                                    }));
       },
       {"segment.needs[2].dimension"}},
      {"missing importance",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(1)->clear_importance(); }));
       },
       {"segment.needs[1].importance"}},
      {"unknown importance",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) {
               s.mutable_needs(0)->set_importance(static_cast<type::v1::Importance>(17));
             }));
       },
       {"segment.needs[0].importance"}},
      {"need note too long",
       [&] {
         return CreateSegmentStatus(
             "s", SegmentWith([](auto& s) { s.mutable_needs(0)->set_note(kLongNote); }));
       },
       {"segment.needs[0].note"}},
      {"more than 100 needs",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) {
                                      s.clear_needs();
                                      for (int i = 0; i <= 100; ++i) {
                                        *s.add_needs() =
                                            MakeNeed(absl::StrCat("dimension_", i), type::v1::LOW);
                                      }
                                    }));
       },
       {"segment.needs"}},
      {"request_id too long",
       [&] { return CreateSegmentStatus("s", SampleSegment(), "", kLongRequestId); },
       {"request_id"}},
      {"every problem at once",
       [&] {
         return CreateSegmentStatus("s", SegmentWith([](auto& s) {
                                      s.set_priority(5000);
                                      s.mutable_needs(0)->clear_importance();
                                      s.mutable_needs(1)->set_dimension("bad key");
                                    }));
       },
       {"segment.priority", "segment.needs[0].importance", "segment.needs[1].dimension"}},
  });
}

TEST_F(SegmentValidationTest, MalformedNamesAreRejectedOnTheNameField) {
  const std::string segment_as_market = segment_.name();
  ExpectEachRejected({
      {"get market without name", [&] { return GetMarket(kAcmeViewer, "").status; }, {"name"}},
      {"get market by a segment name",
       [&] { return GetMarket(kAcmeViewer, segment_as_market).status; },
       {"name"}},
      {"get market by a truncated name",
       [&] { return GetMarket(kAcmeViewer, "organizations/acme/markets").status; },
       {"name"}},
      {"get market with a bad id",
       [&] { return GetMarket(kAcmeViewer, "organizations/acme/markets/Cloud").status; },
       {"name"}},
      {"get market of another collection",
       [&] {
         return GetMarket(kAcmeViewer, "organizations/acme/offerings/cloud-databases").status;
       },
       {"name"}},
      {"get segment by a market name",
       [&] { return GetSegment(kAcmeViewer, market_.name()).status; },
       {"name"}},
      {"get segment through the wildcard",
       [&] { return GetSegment(kAcmeViewer, "organizations/acme/markets/-/segments/diy").status; },
       {"name"}},
      {"delete market with a bad name",
       [&] { return DeleteMarket(kAcmeEditor, "organizations/acme/markets/"); },
       {"name"}},
      {"delete segment with a bad name",
       [&] { return DeleteSegment(kAcmeEditor, segment_.name() + "/"); },
       {"name"}},
  });
}

TEST_F(SegmentValidationTest, InvalidUpdatesNameTheFieldAndChangeNothing) {
  ExpectEachRejected({
      {"market without name",
       [&] { return UpdateMarketStatus([](auto& m) { m.clear_name(); }, {"display_name"}); },
       {"market.name"}},
      {"market without update_mask",
       [&] { return UpdateMarketStatus([](auto& m) { m.set_display_name("New"); }, {}); },
       {"update_mask"}},
      {"unknown path",
       [&] {
         return UpdateMarketStatus([](auto& m) { m.set_display_name("New"); },
                                   {"display_name", "colour"});
       },
       {"update_mask.paths[1]"}},
      {"output-only path",
       [&] { return UpdateMarketStatus([](auto& m) { m.set_uid("x"); }, {"uid"}); },
       {"update_mask.paths[0]"}},
      {"wildcard among other paths",
       [&] {
         return UpdateMarketStatus([](auto& m) { m.set_display_name("New"); },
                                   {"display_name", "*"});
       },
       {"update_mask.paths[1]"}},
      {"clearing the display_name",
       [&] {
         return UpdateMarketStatus([](auto& m) { m.clear_display_name(); }, {"display_name"});
       },
       {"market.display_name"}},
      {"clearing the decision",
       [&] { return UpdateMarketStatus([](auto& m) { m.clear_decision(); }, {"decision"}); },
       {"market.decision"}},
      {"segment without name",
       [&] { return UpdateSegmentStatus([](auto& s) { s.clear_name(); }, {"priority"}); },
       {"segment.name"}},
      {"segment name of a market",
       [&] {
         return UpdateSegmentStatus([&](auto& s) { s.set_name(market_.name()); }, {"priority"});
       },
       {"segment.name"}},
      {"revision is output only",
       [&] { return UpdateSegmentStatus([](auto& s) { s.set_revision(9); }, {"revision"}); },
       {"update_mask.paths[0]"}},
      {"nested path",
       [&] {
         return UpdateSegmentStatus([](auto& s) { s.mutable_needs(0)->set_note("n"); },
                                    {"priority", "needs.note"});
       },
       {"update_mask.paths[1]"}},
      {"need without importance",
       [&] {
         return UpdateSegmentStatus([](auto& s) { s.mutable_needs(1)->clear_importance(); },
                                    {"needs"});
       },
       {"segment.needs[1].importance"}},
      {"duplicate need",
       [&] {
         return UpdateSegmentStatus(
             [](auto& s) { *s.add_needs() = MakeNeed("operational_transparency", type::v1::LOW); },
             {"needs"});
       },
       {"segment.needs[2].dimension"}},
      {"priority out of range",
       [&] { return UpdateSegmentStatus([](auto& s) { s.set_priority(1001); }, {"priority"}); },
       {"segment.priority"}},
      {"wildcard with required fields left empty",
       [&] {
         return UpdateSegmentStatus(
             [](auto& s) {
               s.clear_display_name();
               s.clear_targeting();
             },
             {"*"});
       },
       {"segment.display_name", "segment.targeting"}},
  });
}

TEST_F(SegmentValidationTest, InvalidListRequestsNameTheField) {
  const std::string all = "organizations/acme/markets/-";
  ExpectEachRejected({
      {"markets: parent is a market",
       [&] { return ListMarkets(kAcmeViewer, market_.name()).status; },
       {"parent"}},
      {"markets: negative page_size",
       [&] { return ListMarkets(kAcmeViewer, kAcme, -1).status; },
       {"page_size"}},
      {"markets: filter without value",
       [&] { return ListMarkets(kAcmeViewer, kAcme, 0, "", "decision = ").status; },
       {"filter"}},
      {"markets: unknown filter field",
       [&] { return ListMarkets(kAcmeViewer, kAcme, 0, "", "colour = red").status; },
       {"filter"}},
      {"markets: unknown decision",
       [&] { return ListMarkets(kAcmeViewer, kAcme, 0, "", "decision = MAYBE").status; },
       {"filter"}},
      {"markets: garbage page_token",
       [&] { return ListMarkets(kAcmeViewer, kAcme, 0, "garbage").status; },
       {"page_token"}},
      {"segments: parent is an organization",
       [&] { return ListSegments(kAcmeViewer, kAcme).status; },
       {"parent"}},
      {"segments: negative page_size",
       [&] { return ListSegments(kAcmeViewer, all, -5).status; },
       {"page_size"}},
      {"segments: dangling AND",
       [&] { return ListSegments(kAcmeViewer, all, 0, "", "targeting = TARGETED AND").status; },
       {"filter"}},
      {"segments: OR is not supported",
       [&] {
         return ListSegments(kAcmeViewer, all, 0, "",
                             "targeting = TARGETED OR targeting = CANDIDATE")
             .status;
       },
       {"filter"}},
      {"segments: unbalanced quote",
       [&] { return ListSegments(kAcmeViewer, all, 0, "", "market = \"organizations").status; },
       {"filter"}},
      {"segments: unknown filter field",
       [&] { return ListSegments(kAcmeViewer, all, 0, "", "priority = 1").status; },
       {"filter"}},
      {"segments: unknown targeting",
       [&] { return ListSegments(kAcmeViewer, all, 0, "", "targeting = PURPLE").status; },
       {"filter"}},
      {"segments: market is not a market name",
       [&] { return ListSegments(kAcmeViewer, all, 0, "", "market = \"cloud\"").status; },
       {"filter"}},
      {"segments: market outside the parent market",
       [&] {
         return ListSegments(kAcmeViewer, market_.name(), 0, "",
                             "market = \"organizations/acme/markets/analytics\"")
             .status;
       },
       {"filter"}},
      {"segments: garbage page_token",
       [&] { return ListSegments(kAcmeViewer, all, 0, "not-a-token").status; },
       {"page_token"}},
  });
}

TEST_F(SegmentValidationTest, InvalidWatchRequestsNameTheField) {
  ExpectEachRejected({
      {"parent is a market", [&] { return WatchStatus(market_.name(), "", ""); }, {"parent"}},
      {"empty parent", [&] { return WatchStatus("", "", ""); }, {"parent"}},
      {"garbage cursor", [&] { return WatchStatus(kAcme, "not-a-cursor", ""); }, {"after_cursor"}},
      {"filter without value", [&] { return WatchStatus(kAcme, "", "type ="); }, {"filter"}},
      {"unknown filter field", [&] { return WatchStatus(kAcme, "", "kind = \"x\""); }, {"filter"}},
  });
}

}  // namespace
}  // namespace throughline::segment::testing

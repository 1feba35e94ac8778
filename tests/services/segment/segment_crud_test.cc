// Markets and segments through the real service: create, get, list, update with update_mask
// and etags, delete; revisions; output-only fields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "libs/db/proto_json.h"
#include "pqxx/pqxx"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SegmentCrudTest : public SegmentServiceTest {};

MATCHER_P(EqualsProto, expected, "") { return MessageDifferencer::Equals(arg, expected); }

std::vector<std::string> Names(const auto& resources) {
  std::vector<std::string> names;
  for (const auto& resource : resources) names.push_back(resource.name());
  return names;
}

// ------------------------------------------------------------------------------------ markets

TEST_F(SegmentCrudTest, CreatedMarketRoundTripsEveryFieldThroughGetAndList) {
  v1::Market market;
  market.set_display_name("Cloud databases — Europe");
  market.set_decision(v1::Market::WATCH);
  market.set_rationale("Regulated buyers want EU-hosted databases; we lack the regions yet.");
  market.add_evidence_notes("Interviews with 12 DACH CTOs");
  market.add_evidence_notes("https://example.com/report");

  const absl::Time before = absl::Now();
  auto created = CreateMarket(kAcmeEditor, kAcme, "cloud-databases", market);
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  const v1::Market& got = created.value;
  EXPECT_EQ(got.name(), "organizations/acme/markets/cloud-databases");
  EXPECT_EQ(got.display_name(), market.display_name());
  EXPECT_EQ(got.decision(), v1::Market::WATCH);
  EXPECT_EQ(got.rationale(), market.rationale());
  EXPECT_THAT(got.evidence_notes(),
              ElementsAre("Interviews with 12 DACH CTOs", "https://example.com/report"));
  EXPECT_EQ(got.uid().size(), 36u) << got.uid();
  EXPECT_FALSE(got.etag().empty());
  EXPECT_EQ(got.create_time(), got.update_time());
  const absl::Time create_time =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(got.create_time()));
  EXPECT_GE(create_time, absl::FromUnixMicros(absl::ToUnixMicros(before)));
  EXPECT_LE(create_time, absl::Now());

  auto fetched = GetMarket(kAcmeViewer, got.name());
  ASSERT_TRUE(fetched.ok()) << Describe(fetched.status);
  EXPECT_THAT(fetched.value, EqualsProto(got));
  const auto listed = AllMarkets();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_THAT(listed[0], EqualsProto(got));
}

TEST_F(SegmentCrudTest, MarketWithoutIdGetsAUuidName) {
  auto created = CreateMarket(kAcmeEditor, kAcme, "", SampleMarket());
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  const std::string prefix = "organizations/acme/markets/";
  ASSERT_EQ(created.value.name().rfind(prefix, 0), 0u) << created.value.name();
  EXPECT_EQ(created.value.name().size(), prefix.size() + 36);
  EXPECT_TRUE(GetMarket(kAcmeViewer, created.value.name()).ok());
}

TEST_F(SegmentCrudTest, CreateIgnoresOutputOnlyMarketFields) {
  v1::Market market = SampleMarket();
  market.set_name("organizations/globex/markets/elsewhere");
  market.set_uid("not-a-uid");
  market.set_etag("\"forged\"");
  *market.mutable_create_time() = TimeUtil::SecondsToTimestamp(1);
  *market.mutable_update_time() = TimeUtil::SecondsToTimestamp(2);
  auto created = CreateMarket(kAcmeEditor, kAcme, "cloud-databases", market);
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_EQ(created.value.name(), "organizations/acme/markets/cloud-databases");
  EXPECT_NE(created.value.uid(), "not-a-uid");
  EXPECT_NE(created.value.etag(), "\"forged\"");
  EXPECT_GT(TimeUtil::TimestampToSeconds(created.value.create_time()), 1'000'000'000);
  EXPECT_THAT(Names(AllMarkets(kGlobexEditor, kGlobex)), IsEmpty());
}

TEST_F(SegmentCrudTest, CreatingAnExistingMarketIdIsAlreadyExists) {
  const v1::Market first = MustCreateMarket("cloud-databases");
  auto again = CreateMarket(kAcmeEditor, kAcme, "cloud-databases", SampleMarket("Other"));
  EXPECT_EQ(again.code(), grpc::StatusCode::ALREADY_EXISTS) << Describe(again.status);
  EXPECT_THAT(GetMarket(kAcmeViewer, first.name()).value, EqualsProto(first));
}

TEST_F(SegmentCrudTest, GettingAMissingResourceIsNotFound) {
  EXPECT_EQ(GetMarket(kAcmeViewer, "organizations/acme/markets/nope").code(),
            grpc::StatusCode::NOT_FOUND);
  MustCreateMarket("cloud-databases");
  EXPECT_EQ(
      GetSegment(kAcmeViewer, "organizations/acme/markets/cloud-databases/segments/nope").code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      CreateSegment(kAcmeEditor, "organizations/acme/markets/nope", "diy", SampleSegment()).code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(SegmentCrudTest, UpdateMarketChangesOnlyTheFieldsInTheMask) {
  const v1::Market created = MustCreateMarket("cloud-databases");
  v1::Market change;
  change.set_name(created.name());
  change.set_display_name("Cloud databases (managed)");
  change.set_rationale("ignored: not in the mask");
  change.set_decision(v1::Market::EXIT);
  auto updated = UpdateMarket(kAcmeEditor, change, {"display_name", "decision"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.display_name(), "Cloud databases (managed)");
  EXPECT_EQ(updated.value.decision(), v1::Market::EXIT);
  EXPECT_EQ(updated.value.rationale(), created.rationale());
  EXPECT_THAT(updated.value.evidence_notes(), ElementsAre(created.evidence_notes(0)));
  EXPECT_EQ(updated.value.uid(), created.uid());
  EXPECT_EQ(updated.value.create_time(), created.create_time());
  EXPECT_NE(updated.value.etag(), created.etag());
  EXPECT_GE(TimeUtil::TimestampToMicroseconds(updated.value.update_time()),
            TimeUtil::TimestampToMicroseconds(created.update_time()));
  EXPECT_THAT(GetMarket(kAcmeViewer, created.name()).value, EqualsProto(updated.value));
}

TEST_F(SegmentCrudTest, WildcardMaskReplacesEveryUpdatableMarketField) {
  const v1::Market created = MustCreateMarket("cloud-databases");
  v1::Market change;
  change.set_name(created.name());
  change.set_display_name("Databases");
  change.set_decision(v1::Market::WATCH);
  change.set_rationale("New why.");
  // evidence_notes left empty: "*" clears them.
  auto updated = UpdateMarket(kAcmeEditor, change, {"*"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.display_name(), "Databases");
  EXPECT_EQ(updated.value.decision(), v1::Market::WATCH);
  EXPECT_EQ(updated.value.rationale(), "New why.");
  EXPECT_THAT(updated.value.evidence_notes(), IsEmpty());
}

TEST_F(SegmentCrudTest, UpdateIgnoresOutputOnlyMarketFields) {
  const v1::Market created = MustCreateMarket("cloud-databases");
  v1::Market change = created;
  change.set_display_name("Renamed");
  change.set_uid("forged-uid");
  *change.mutable_create_time() = TimeUtil::SecondsToTimestamp(1);
  *change.mutable_update_time() = TimeUtil::SecondsToTimestamp(1);
  auto updated = UpdateMarket(kAcmeEditor, change, {"*"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.display_name(), "Renamed");
  EXPECT_EQ(updated.value.uid(), created.uid());
  EXPECT_EQ(updated.value.create_time(), created.create_time());
  EXPECT_GE(TimeUtil::TimestampToMicroseconds(updated.value.update_time()),
            TimeUtil::TimestampToMicroseconds(created.update_time()));
}

TEST_F(SegmentCrudTest, UpdateWithAStaleEtagIsAbortedAndChangesNothing) {
  const v1::Market created = MustCreateMarket("cloud-databases");
  v1::Market first = created;
  first.set_display_name("First");
  auto updated = UpdateMarket(kAcmeEditor, first, {"display_name"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);

  v1::Market stale = created;  // carries the etag of the version before "First"
  stale.set_display_name("Second");
  auto rejected = UpdateMarket(kAcmeEditor, stale, {"display_name"});
  EXPECT_EQ(rejected.code(), grpc::StatusCode::ABORTED) << Describe(rejected.status);
  EXPECT_EQ(ErrorReason(rejected.status), "ETAG_MISMATCH");
  EXPECT_THAT(GetMarket(kAcmeViewer, created.name()).value, EqualsProto(updated.value));

  v1::Market current = updated.value;  // the current etag
  current.set_display_name("Second");
  EXPECT_TRUE(UpdateMarket(kAcmeEditor, current, {"display_name"}).ok());
}

TEST_F(SegmentCrudTest, DeleteMarketChecksTheEtag) {
  const v1::Market created = MustCreateMarket("cloud-databases");
  const grpc::Status wrong = DeleteMarket(kAcmeEditor, created.name(), "\"0000000000000000\"");
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::ABORTED) << Describe(wrong);
  EXPECT_TRUE(GetMarket(kAcmeViewer, created.name()).ok());

  EXPECT_TRUE(DeleteMarket(kAcmeEditor, created.name(), created.etag()).ok());
  EXPECT_EQ(GetMarket(kAcmeViewer, created.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DeleteMarket(kAcmeEditor, created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SegmentCrudTest, MarketWithSegmentsIsDeletedOnlyWithForceAndTakesItsSegments) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Market other = MustCreateMarket("analytics");
  const v1::Segment diy = MustCreateSegment(market.name(), "diy");
  const v1::Segment one_click = MustCreateSegment(market.name(), "one-click");
  const v1::Segment kept = MustCreateSegment(other.name(), "analysts");
  const std::string cursor = CurrentCursor();

  const grpc::Status refused = DeleteMarket(kAcmeEditor, market.name());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(refused);
  EXPECT_EQ(ErrorReason(refused), "MARKET_HAS_SEGMENTS");
  EXPECT_TRUE(GetMarket(kAcmeViewer, market.name()).ok());
  EXPECT_EQ(AllSegments().size(), 3u);

  ASSERT_TRUE(DeleteMarket(kAcmeEditor, market.name(), "", /*force=*/true).ok());
  EXPECT_EQ(GetMarket(kAcmeViewer, market.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetSegment(kAcmeViewer, diy.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetSegment(kAcmeViewer, one_click.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Names(AllSegments()), ElementsAre(kept.name()));

  // One event per deleted resource, the segments before their market.
  const Events events = EventsUpToNewMarker(cursor);
  ASSERT_EQ(events.responses.size(), 4u) << ::testing::PrintToString(events.Types());
  EXPECT_THAT(events.Types(), ElementsAre("throughline.segment.v1.segment_deleted",
                                          "throughline.segment.v1.segment_deleted",
                                          "throughline.segment.v1.market_deleted",
                                          "throughline.segment.v1.market_created"));
  const std::vector<std::string> subjects = events.Subjects();
  EXPECT_THAT(std::vector<std::string>(subjects.begin(), subjects.begin() + 3),
              ElementsAre(diy.name(), one_click.name(), market.name()));
  EXPECT_THAT(SegmentData(events.responses[0].event()).before(), EqualsProto(diy));
  EXPECT_FALSE(SegmentData(events.responses[0].event()).has_after());
}

// ----------------------------------------------------------------------------------- segments

TEST_F(SegmentCrudTest, CreatedSegmentRoundTripsEveryFieldAtRevisionOne) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment segment = SampleSegment();
  segment.set_targeting(v1::Segment::CANDIDATE);
  segment.set_priority(1000);
  *segment.add_needs() = MakeNeed("replication_and_failover_control", type::v1::CRITICAL,
                                  "Wants to pick the failover policy.");
  auto created = CreateSegment(kAcmeEditor, market.name(), "diy-power-users", segment);
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  const v1::Segment& got = created.value;
  EXPECT_EQ(got.name(), "organizations/acme/markets/cloud-databases/segments/diy-power-users");
  EXPECT_EQ(got.display_name(), segment.display_name());
  EXPECT_EQ(got.description(), segment.description());
  ASSERT_EQ(got.needs_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_THAT(got.needs(i), EqualsProto(segment.needs(i)));
  EXPECT_EQ(got.targeting(), v1::Segment::CANDIDATE);
  EXPECT_EQ(got.priority(), 1000);
  EXPECT_EQ(got.revision(), 1);
  EXPECT_EQ(got.uid().size(), 36u);
  EXPECT_FALSE(got.etag().empty());
  EXPECT_EQ(got.create_time(), got.update_time());

  EXPECT_THAT(GetSegment(kAcmeViewer, got.name()).value, EqualsProto(got));
  const auto listed = AllSegments(market.name());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_THAT(listed[0], EqualsProto(got));
}

TEST_F(SegmentCrudTest, CreateIgnoresOutputOnlySegmentFields) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment segment = SampleSegment();
  segment.set_name("organizations/acme/markets/other/segments/x");
  segment.set_uid("forged");
  segment.set_revision(42);
  segment.set_etag("\"forged\"");
  *segment.mutable_create_time() = TimeUtil::SecondsToTimestamp(1);
  auto created = CreateSegment(kAcmeEditor, market.name(), "diy", segment);
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_EQ(created.value.name(), market.name() + "/segments/diy");
  EXPECT_NE(created.value.uid(), "forged");
  EXPECT_EQ(created.value.revision(), 1);
  EXPECT_NE(created.value.etag(), "\"forged\"");
  EXPECT_GT(TimeUtil::TimestampToSeconds(created.value.create_time()), 1'000'000'000);
}

TEST_F(SegmentCrudTest, SegmentRevisionIncrementsOnEveryRealChange) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment current = MustCreateSegment(market.name(), "diy");
  ASSERT_EQ(current.revision(), 1);

  struct Step {
    std::vector<std::string> paths;
    std::function<void(v1::Segment&)> change;
  };
  const std::vector<Step> steps = {
      {{"targeting"}, [](v1::Segment& s) { s.set_targeting(v1::Segment::DEPRIORITIZED); }},
      {{"needs"}, [](v1::Segment& s) { s.mutable_needs(0)->set_importance(type::v1::MEDIUM); }},
      {{"priority", "description"},
       [](v1::Segment& s) {
         s.set_priority(7);
         s.set_description("Now ranked 7th.");
       }},
      {{"display_name"}, [](v1::Segment& s) { s.set_display_name("DIY users"); }},
  };
  int64_t expected_revision = 1;
  for (const Step& step : steps) {
    v1::Segment change = current;
    step.change(change);
    auto updated = UpdateSegment(kAcmeEditor, change, step.paths);
    ASSERT_TRUE(updated.ok()) << Describe(updated.status);
    EXPECT_EQ(updated.value.revision(), ++expected_revision);
    EXPECT_NE(updated.value.etag(), current.etag());
    current = updated.value;
  }
  EXPECT_EQ(current.targeting(), v1::Segment::DEPRIORITIZED);
  EXPECT_EQ(current.needs(0).importance(), type::v1::MEDIUM);
  EXPECT_EQ(current.priority(), 7);
  EXPECT_EQ(current.display_name(), "DIY users");
  EXPECT_THAT(GetSegment(kAcmeViewer, current.name()).value, EqualsProto(current));
}

TEST_F(SegmentCrudTest, UpdateThatChangesNothingKeepsTheRevisionAndEmitsNoEvent) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  const std::string cursor = CurrentCursor();

  auto same = UpdateSegment(kAcmeEditor, created, {"*"});
  ASSERT_TRUE(same.ok()) << Describe(same.status);
  EXPECT_THAT(same.value, EqualsProto(created));
  v1::Segment same_targeting;
  same_targeting.set_name(created.name());
  same_targeting.set_targeting(created.targeting());
  auto partial = UpdateSegment(kAcmeEditor, same_targeting, {"targeting"});
  ASSERT_TRUE(partial.ok()) << Describe(partial.status);
  EXPECT_EQ(partial.value.revision(), 1);
  EXPECT_EQ(partial.value.etag(), created.etag());
  EXPECT_THAT(GetSegment(kAcmeViewer, created.name()).value, EqualsProto(created));
  ExpectNoEventsSince(cursor);
}

TEST_F(SegmentCrudTest, UpdateSegmentReplacesNeedsAndIgnoresOutputOnlyFields) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  v1::Segment change = created;
  change.clear_needs();
  *change.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  change.set_revision(99);
  change.set_uid("forged");
  *change.mutable_create_time() = TimeUtil::SecondsToTimestamp(1);
  auto updated = UpdateSegment(kAcmeEditor, change, {"*"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  ASSERT_EQ(updated.value.needs_size(), 1);
  EXPECT_EQ(updated.value.needs(0).dimension(), "simplicity");
  EXPECT_EQ(updated.value.revision(), 2);
  EXPECT_EQ(updated.value.uid(), created.uid());
  EXPECT_EQ(updated.value.create_time(), created.create_time());
}

TEST_F(SegmentCrudTest, UpdateSegmentMaskLeavesOtherFieldsAlone) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  v1::Segment change;
  change.set_name(created.name());
  change.set_priority(3);
  change.set_display_name("ignored");
  change.set_targeting(v1::Segment::DEPRIORITIZED);
  auto updated = UpdateSegment(kAcmeEditor, change, {"priority"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  v1::Segment expected = created;
  expected.set_priority(3);
  expected.set_revision(2);
  expected.set_etag(updated.value.etag());
  *expected.mutable_update_time() = updated.value.update_time();
  EXPECT_THAT(updated.value, EqualsProto(expected));
}

TEST_F(SegmentCrudTest, UpdateSegmentWithAStaleEtagIsAborted) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  v1::Segment change = created;
  change.set_priority(2);
  ASSERT_TRUE(UpdateSegment(kAcmeEditor, change, {"priority"}).ok());
  change.set_priority(3);  // still created's etag
  auto stale = UpdateSegment(kAcmeEditor, change, {"priority"});
  EXPECT_EQ(stale.code(), grpc::StatusCode::ABORTED) << Describe(stale.status);
  EXPECT_EQ(ErrorReason(stale.status), "ETAG_MISMATCH");
  EXPECT_EQ(GetSegment(kAcmeViewer, created.name()).value.priority(), 2);
}

TEST_F(SegmentCrudTest, DeleteSegmentChecksTheEtag) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  const grpc::Status wrong = DeleteSegment(kAcmeEditor, created.name(), "\"0000000000000000\"");
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::ABORTED) << Describe(wrong);
  EXPECT_TRUE(GetSegment(kAcmeViewer, created.name()).ok());

  EXPECT_TRUE(DeleteSegment(kAcmeEditor, created.name(), created.etag()).ok());
  EXPECT_EQ(GetSegment(kAcmeViewer, created.name()).code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(AllSegments(), IsEmpty());
  EXPECT_EQ(DeleteSegment(kAcmeEditor, created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
  // Its market, now empty, deletes without force.
  EXPECT_TRUE(DeleteMarket(kAcmeEditor, market.name()).ok());
}

TEST_F(SegmentCrudTest, DeletedSegmentIdCanBeCreatedAgainAsANewResource) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment first = MustCreateSegment(market.name(), "diy");
  ASSERT_TRUE(DeleteSegment(kAcmeEditor, first.name()).ok());
  const v1::Segment second = MustCreateSegment(market.name(), "diy");
  EXPECT_EQ(second.name(), first.name());
  EXPECT_NE(second.uid(), first.uid());
  EXPECT_NE(second.etag(), first.etag());
  EXPECT_EQ(second.revision(), 1);
}

// ----------------------------------------------------------------------------- storage

// Markets and segments written before migration 0002 have their JSON body and no body_pb: they
// are read from the JSON, unchanged, and their next write stores them as protobuf.
TEST_F(SegmentCrudTest, ResourcesStoredAsJsonBeforeMigration2AreReadUnchanged) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment segment = MustCreateSegment(market.name(), "diy-power-users");
  {
    pqxx::connection connection(database_url());
    pqxx::work tx(connection);
    EXPECT_EQ(tx.exec_params0("UPDATE segment.markets SET body = $1::jsonb, body_pb = NULL "
                              "WHERE uid = $2::uuid",
                              db::ToJson(market), market.uid())
                  .affected_rows(),
              1u);
    EXPECT_EQ(tx.exec_params0("UPDATE segment.segments SET body = $1::jsonb, body_pb = NULL "
                              "WHERE uid = $2::uuid",
                              db::ToJson(segment), segment.uid())
                  .affected_rows(),
              1u);
    tx.commit();
  }
  EXPECT_THAT(GetMarket(kAcmeViewer, market.name()).value, EqualsProto(market));
  EXPECT_THAT(AllMarkets(), ElementsAre(EqualsProto(market)));
  EXPECT_THAT(GetSegment(kAcmeViewer, segment.name()).value, EqualsProto(segment));
  EXPECT_THAT(AllSegments(), ElementsAre(EqualsProto(segment)));

  v1::Segment changed = segment;
  changed.set_description("Rewritten after the migration.");
  auto updated = UpdateSegment(kAcmeEditor, changed, {"description"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.revision(), segment.revision() + 1);
  EXPECT_THAT(GetSegment(kAcmeViewer, segment.name()).value, EqualsProto(updated.value));
  v1::Market rationale = market;
  rationale.set_rationale("Still worth it.");
  auto market_updated = UpdateMarket(kAcmeEditor, rationale, {"rationale"});
  ASSERT_TRUE(market_updated.ok()) << Describe(market_updated.status);
  pqxx::connection connection(database_url());
  pqxx::work tx(connection);
  for (const char* table : {"segment.markets", "segment.segments"}) {
    SCOPED_TRACE(table);
    const auto row = tx.exec1(
        absl::StrCat("SELECT count(*) FILTER (WHERE body IS NULL AND body_pb IS NOT NULL), "
                     "count(*) FROM ",
                     table));
    EXPECT_EQ(row[0].as<int>(), 1);
    EXPECT_EQ(row[1].as<int>(), 1);
  }
}

}  // namespace
}  // namespace throughline::segment::testing

// Concurrent writers: etags let exactly one of two racing updates win, and request_id replays
// create exactly one resource however many arrive at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <barrier>
#include <set>
#include <thread>

#include "google/protobuf/util/message_differencer.h"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;

class SegmentConcurrencyTest : public SegmentServiceTest {};

// Runs `call(i)` on `threads` threads released at the same moment.
template <typename Call>
void RunTogether(int threads, Call call) {
  std::barrier start(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.arrive_and_wait();
      call(i);
    });
  }
  for (auto& worker : workers) worker.join();
}

TEST_F(SegmentConcurrencyTest, EtagConflictLetsExactlyOneConcurrentUpdateWin) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment current = MustCreateSegment(market.name(), "diy");
  const std::string cursor = CurrentCursor();
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    Result<v1::Segment> results[2];
    RunTogether(2, [&](int i) {
      v1::Segment change = current;  // both carry the same etag
      change.set_description(absl::StrCat("round ", round, " by writer ", i));
      change.set_priority(i == 0 ? 10 : 20);
      results[i] = UpdateSegment(kAcmeEditor, change, {"description", "priority"});
    });
    const int winners = results[0].ok() + results[1].ok();
    ASSERT_EQ(winners, 1) << Describe(results[0].status) << " / " << Describe(results[1].status);
    const Result<v1::Segment>& winner = results[0].ok() ? results[0] : results[1];
    const Result<v1::Segment>& loser = results[0].ok() ? results[1] : results[0];
    EXPECT_EQ(loser.code(), grpc::StatusCode::ABORTED) << Describe(loser.status);
    EXPECT_EQ(ErrorReason(loser.status), "ETAG_MISMATCH");
    EXPECT_EQ(winner.value.revision(), current.revision() + 1);
    // What is stored is the winner's change, whole.
    const auto stored = GetSegment(kAcmeViewer, current.name());
    EXPECT_TRUE(MessageDifferencer::Equals(stored.value, winner.value))
        << stored.value.ShortDebugString();
    current = winner.value;
  }
  EXPECT_EQ(current.revision(), 1 + kRounds);

  // One event per winning update, none for the losers.
  const Events events = EventsUpToNewMarker(cursor);
  ASSERT_EQ(events.responses.size(), kRounds + 1u);
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(events.responses[i].event().type(), "throughline.segment.v1.segment_changed");
    EXPECT_EQ(Revision(events.responses[i].event()), i + 2);
  }
}

TEST_F(SegmentConcurrencyTest, EtagConflictOnMarketsLetsExactlyOneConcurrentUpdateWin) {
  v1::Market current = MustCreateMarket("cloud-databases");
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    Result<v1::Market> results[2];
    RunTogether(2, [&](int i) {
      v1::Market change = current;
      change.set_rationale(absl::StrCat("round ", round, " by writer ", i));
      results[i] = UpdateMarket(kAcmeEditor, change, {"rationale"});
    });
    ASSERT_EQ(results[0].ok() + results[1].ok(), 1);
    const auto& loser = results[0].ok() ? results[1] : results[0];
    EXPECT_EQ(loser.code(), grpc::StatusCode::ABORTED) << Describe(loser.status);
    current = results[0].ok() ? results[0].value : results[1].value;
    EXPECT_EQ(GetMarket(kAcmeViewer, current.name()).value.rationale(), current.rationale());
  }
}

TEST_F(SegmentConcurrencyTest, ConcurrentDeletesWithTheSameEtagSucceedOnce) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment segment = MustCreateSegment(market.name(), "diy");
  grpc::Status results[2];
  RunTogether(
      2, [&](int i) { results[i] = DeleteSegment(kAcmeEditor, segment.name(), segment.etag()); });
  ASSERT_EQ(results[0].ok() + results[1].ok(), 1)
      << Describe(results[0]) << " / " << Describe(results[1]);
  const grpc::Status& loser = results[0].ok() ? results[1] : results[0];
  // The loser finds the segment gone.
  EXPECT_EQ(loser.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(loser);
}

TEST_F(SegmentConcurrencyTest, FiftyConcurrentReplaysOfOneRequestIdCreateOneSegment) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const std::string cursor = CurrentCursor();
  constexpr int kReplays = 50;
  std::vector<Result<v1::Segment>> results(kReplays);
  // No segment_id: the server picks one, so only the request_id makes the replays the same.
  RunTogether(kReplays, [&](int i) {
    results[i] = CreateSegment(kAcmeEditor, market.name(), "", SampleSegment(), "create-diy-1");
  });
  for (int i = 0; i < kReplays; ++i) {
    ASSERT_TRUE(results[i].ok()) << "replay " << i << ": " << Describe(results[i].status);
    EXPECT_TRUE(MessageDifferencer::Equals(results[i].value, results[0].value))
        << results[i].value.ShortDebugString();
  }
  const auto segments = AllSegments();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(segments[0], results[0].value));

  const Events events = EventsUpToNewMarker(cursor);
  EXPECT_THAT(events.Types(), ElementsAre("throughline.segment.v1.segment_created",
                                          "throughline.segment.v1.market_created"));

  // A later replay still answers with the first result.
  auto late = CreateSegment(kAcmeEditor, market.name(), "", SampleSegment(), "create-diy-1");
  ASSERT_TRUE(late.ok()) << Describe(late.status);
  EXPECT_TRUE(MessageDifferencer::Equals(late.value, results[0].value));
}

TEST_F(SegmentConcurrencyTest, FiftyConcurrentReplaysOfOneRequestIdCreateOneMarket) {
  constexpr int kReplays = 50;
  std::vector<Result<v1::Market>> results(kReplays);
  RunTogether(kReplays, [&](int i) {
    results[i] = CreateMarket(kAcmeEditor, kAcme, "", SampleMarket(), "create-market-1");
  });
  std::set<std::string> names;
  for (int i = 0; i < kReplays; ++i) {
    ASSERT_TRUE(results[i].ok()) << "replay " << i << ": " << Describe(results[i].status);
    EXPECT_TRUE(MessageDifferencer::Equals(results[i].value, results[0].value));
    names.insert(results[i].value.name());
  }
  EXPECT_EQ(names.size(), 1u);
  EXPECT_EQ(AllMarkets().size(), 1u);
}

TEST_F(SegmentConcurrencyTest, ReusingARequestIdForADifferentRequestIsRejected) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  auto first = CreateSegment(kAcmeEditor, market.name(), "diy", SampleSegment(), "request-7");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  const std::string cursor = CurrentCursor();

  auto different = CreateSegment(kAcmeEditor, market.name(), "one-click",
                                 SampleSegment("One-click"), "request-7");
  EXPECT_EQ(different.code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(different.status);
  EXPECT_THAT(ViolatedFields(different.status), ElementsAre("request_id"));

  auto market_replay = CreateMarket(kAcmeEditor, kAcme, "other", SampleMarket(), "request-9");
  ASSERT_TRUE(market_replay.ok());
  auto market_different =
      CreateMarket(kAcmeEditor, kAcme, "other", SampleMarket("Changed"), "request-9");
  EXPECT_EQ(market_different.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(market_different.status), ElementsAre("request_id"));

  EXPECT_EQ(AllSegments().size(), 1u);
  // Only the market "other" was created since the cursor.
  const Events events = EventsUpToNewMarker(cursor);
  EXPECT_THAT(events.Subjects(),
              ElementsAre("organizations/acme/markets/other", events.Subjects().back()));
}

TEST_F(SegmentConcurrencyTest, ConcurrentCreatesOfOneSegmentIdCreateItOnce) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  constexpr int kWriters = 8;
  std::vector<Result<v1::Segment>> results(kWriters);
  RunTogether(kWriters, [&](int i) {
    results[i] =
        CreateSegment(kAcmeEditor, market.name(), "diy", SampleSegment(absl::StrCat("Writer ", i)));
  });
  int created = 0;
  for (const auto& result : results) {
    if (result.ok()) {
      ++created;
    } else {
      EXPECT_EQ(result.code(), grpc::StatusCode::ALREADY_EXISTS) << Describe(result.status);
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(AllSegments().size(), 1u);
}

}  // namespace
}  // namespace throughline::segment::testing

// GetSegment's cache in a running service (SegmentCache): a segment read again is answered from
// memory, a change through the same replica is read at once, a change through another replica
// once its notification arrives, and --cache_segments=0 turns it off.
#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/db/proto_json.h"
#include "pqxx/pqxx"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

MATCHER_P(SameSegmentAs, expected, "") {
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

// Between the reads of a loop that waits for something to happen: under the organization's
// call rate (--max_calls_per_second), so that a wait that fails fails on what it waits for.
constexpr absl::Duration kPollPause = absl::Milliseconds(2);

class SegmentCacheTest : public SegmentServiceTest {
 protected:
  // Another segmentd on the same database, as a second replica behind a load balancer.
  struct Replica {
    std::unique_ptr<SegmentServer> server;
    std::unique_ptr<v1::SegmentService::Stub> stub;
  };

  Replica StartReplica(SegmentFlags segment_flags = {}) {
    server::ServiceFlags flags;
    flags.listen = "127.0.0.1:0";
    flags.admin_listen = "";
    flags.database_url = database_url();
    flags.shutdown_grace_seconds = 1;
    auth::TokenAuthenticator tokens;
    tokens.Add(kAcmeEditor, {"acme", "erin@acme.example", auth::Role::kEditor});
    tokens.Add(kAcmeViewer, {"acme", "vic@acme.example", auth::Role::kViewer});
    auto server = SegmentServer::Start(flags, std::move(tokens), segment_flags);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return {};
    Replica replica{*std::move(server), nullptr};
    replica.stub = v1::SegmentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", replica.server->port()), grpc::InsecureChannelCredentials()));
    return replica;
  }

  static Result<v1::Segment> GetFrom(v1::SegmentService::Stub& stub, const std::string& name) {
    v1::GetSegmentRequest request;
    request.set_name(name);
    Result<v1::Segment> result;
    result.status = stub.GetSegment(Authorized(kAcmeViewer).get(), request, &result.value);
    return result;
  }

  static Result<v1::Segment> UpdateThrough(v1::SegmentService::Stub& stub,
                                           const v1::Segment& segment) {
    v1::UpdateSegmentRequest request;
    *request.mutable_segment() = segment;
    request.mutable_update_mask()->add_paths("description");
    Result<v1::Segment> result;
    result.status = stub.UpdateSegment(Authorized(kAcmeEditor).get(), request, &result.value);
    return result;
  }

  // Reads `name` through this replica until its cache keeps it: only once its notifier
  // listens does it keep what it reads.
  void ReadUntilKept(const std::string& name) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (server().cache().size() == 0 && absl::Now() < give_up) {
      ASSERT_TRUE(GetSegment(kAcmeViewer, name).ok());
      absl::SleepFor(kPollPause);
    }
    ASSERT_EQ(server().cache().size(), 1) << "the cache never kept " << name;
  }

  // Replaces the stored segment by `changed` with SQL, as an operator would by hand: no event,
  // so no replica hears of it.
  void ChangeWithoutAnEvent(const v1::Segment& changed) {
    pqxx::connection connection(database_url());
    pqxx::work tx(connection);
    EXPECT_EQ(tx.exec_params0("UPDATE segment.segments SET body = $1::jsonb, body_pb = NULL "
                              "WHERE uid = $2::uuid",
                              db::ToJson(changed), changed.uid())
                  .affected_rows(),
              1u);
    tx.commit();
  }
};

TEST_F(SegmentCacheTest, ASegmentReadAgainIsAnsweredFromMemory) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment segment = MustCreateSegment(market.name(), "diy");
  Replica uncached = StartReplica({.cache_segments = 0});
  ASSERT_NE(uncached.stub, nullptr);
  // Nothing tells the replicas of a change by hand: the one that keeps segments answers what
  // it read. (The notification of the creates, if it arrives late, empties the cache once:
  // a second attempt then holds.)
  bool answered_from_memory = false;
  for (int attempt = 1; attempt <= 2 && !answered_from_memory; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(ReadUntilKept(segment.name()));
    const v1::Segment kept = GetFrom(*uncached.stub, segment.name()).value;
    v1::Segment by_hand = kept;
    by_hand.set_description(absl::StrCat("Changed by hand, attempt ", attempt));
    ChangeWithoutAnEvent(by_hand);
    answered_from_memory = google::protobuf::util::MessageDifferencer::Equals(
        GetSegment(kAcmeViewer, segment.name()).value, kept);
    EXPECT_THAT(GetFrom(*uncached.stub, segment.name()).value, SameSegmentAs(by_hand));
  }
  EXPECT_TRUE(answered_from_memory);
}

TEST_F(SegmentCacheTest, AChangeThroughThisReplicaIsReadAtOnce) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment segment = MustCreateSegment(market.name(), "diy");
  for (int change = 1; change <= 20; ++change) {
    SCOPED_TRACE(change);
    ASSERT_NO_FATAL_FAILURE(ReadUntilKept(segment.name()));
    ASSERT_THAT(GetSegment(kAcmeViewer, segment.name()).value, SameSegmentAs(segment));
    segment.set_description(absl::StrCat("Change ", change));
    auto updated = UpdateSegment(kAcmeEditor, segment, {"description"});
    ASSERT_TRUE(updated.ok()) << Describe(updated.status);
    segment = updated.value;
    // Without a wait: the change is forgotten before UpdateSegment returns.
    ASSERT_THAT(GetSegment(kAcmeViewer, segment.name()).value, SameSegmentAs(segment));
  }
  ASSERT_TRUE(DeleteSegment(kAcmeEditor, segment.name()).ok());
  EXPECT_EQ(GetSegment(kAcmeViewer, segment.name()).code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SegmentCacheTest, AChangeThroughAnotherReplicaIsReadOnceItsNotificationArrives) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment segment = MustCreateSegment(market.name(), "diy");
  Replica other = StartReplica();
  ASSERT_NE(other.stub, nullptr);
  ASSERT_NO_FATAL_FAILURE(ReadUntilKept(segment.name()));

  v1::Segment changed = segment;
  changed.set_description("Changed through the other replica.");
  auto updated = UpdateThrough(*other.stub, changed);
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  // This replica kept the segment; the notification of the change makes it read it again
  // (well before the entry's minute of age would).
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  Result<v1::Segment> read = GetSegment(kAcmeViewer, segment.name());
  while (read.ok() && read.value.revision() == segment.revision() && absl::Now() < give_up) {
    absl::SleepFor(kPollPause);
    read = GetSegment(kAcmeViewer, segment.name());
  }
  EXPECT_THAT(read.value, SameSegmentAs(updated.value));

  // And a delete there is a NOT_FOUND here.
  ASSERT_THAT(GetSegment(kAcmeViewer, segment.name()).value, SameSegmentAs(updated.value));
  v1::DeleteSegmentRequest request;
  request.set_name(segment.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(other.stub->DeleteSegment(Authorized(kAcmeEditor).get(), request, &empty).ok());
  while (read.ok() && absl::Now() < give_up) {
    absl::SleepFor(kPollPause);
    read = GetSegment(kAcmeViewer, segment.name());
  }
  EXPECT_EQ(read.code(), grpc::StatusCode::NOT_FOUND) << Describe(read.status);
}

}  // namespace
}  // namespace throughline::segment::testing

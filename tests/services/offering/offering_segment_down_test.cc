// When the segment service cannot be reached, every call that needs the target segment answers
// UNAVAILABLE promptly and writes nothing; calls that do not need it keep working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/services/offering/offering_fixture.h"

namespace throughline::offering::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Far below the 10 s client deadline: a down dependency must not hold the caller until then.
constexpr absl::Duration kPrompt = absl::Seconds(3);

// A TCP port on 127.0.0.1 that nothing listens on (bound once, then closed).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return ntohs(address.sin_port);
}

class OfferingSegmentDownTest : public OfferingServiceTest {
 protected:
  void SetUp() override {
    OfferingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
    offering_ = GetOffering(kManagedPostgres).value;
    cursor_ = CurrentCursor();
  }

  // Runs `call`, expects UNAVAILABLE well before the client's deadline, returns the status.
  template <typename Call>
  grpc::Status ExpectPromptlyUnavailable(Call call) {
    const absl::Time start = absl::Now();
    const grpc::Status status = call();
    const absl::Duration elapsed = absl::Now() - start;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
    EXPECT_EQ(ErrorReason(status), "UNAVAILABLE");
    EXPECT_THAT(status.error_message(), HasSubstr("nothing was changed"));
    EXPECT_LT(elapsed, kPrompt);
    return status;
  }

  // The offering is as it was before the segment service went away, no other offering exists
  // and no event was written.
  void ExpectNothingWritten() {
    const auto offerings = AllOfferings();
    ASSERT_EQ(offerings.size(), 1u);
    EXPECT_TRUE(SameMessage(offerings[0], offering_)) << offerings[0].DebugString();
    ExpectNoEventsSince(cursor_);
  }

  void ExpectEveryTargetReadUnavailable() {
    ExpectPromptlyUnavailable([&] {
      return CreateOffering("one-click-postgres", ManagedPostgres(kOneClick, "One click")).status;
    });
    ExpectPromptlyUnavailable([&] {
      return CreateOffering("one-click-postgres", ManagedPostgres(kOneClick, "One click"),
                            "create-while-down")
          .status;
    });
    ExpectPromptlyUnavailable([&] { return Retarget(kManagedPostgres, kOneClick).status; });
    ExpectPromptlyUnavailable(
        [&] { return Retarget(kManagedPostgres, kOneClick, "Retry me.", "retarget-down").status; });
    ExpectPromptlyUnavailable([&] {
      v1::Offering change = offering_;
      change.set_target_segment(kOneClick);
      change.set_value_proposition("Changed together with the target.");
      return UpdateOffering(change, {"target_segment", "value_proposition"}).status;
    });
    ExpectPromptlyUnavailable([&] { return EvaluateCoherence(kManagedPostgres).status; });
  }

  v1::Offering offering_;
  std::string cursor_;
};

TEST_F(OfferingSegmentDownTest, CallsThatReadTheTargetSegmentAreUnavailableAndWriteNothing) {
  StopSegmentServer();

  ExpectEveryTargetReadUnavailable();

  ExpectNothingWritten();
  EXPECT_EQ(GetOffering(std::string(kAcme) + "/offerings/one-click-postgres").code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OfferingSegmentDownTest, ASegmentServiceThatNeverListenedIsUnavailableToo) {
  StartOfferingServer(absl::StrCat("127.0.0.1:", ClosedPort()));

  ExpectEveryTargetReadUnavailable();

  ExpectNothingWritten();
}

TEST_F(OfferingSegmentDownTest, ChangesThatDoNotTouchTheTargetKeepWorking) {
  StopSegmentServer();

  v1::Offering change = offering_;
  change.set_value_proposition("Every knob you know, none of the pager duty.");
  auto updated = UpdateOffering(change, {"value_proposition"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.target_segment(), kDiy);
  // A wildcard mask names target_segment, but leaves it as it is: no segment read is needed.
  v1::Offering whole = updated.value;
  whole.set_value_proposition("The whole offering, sent back with one change.");
  auto replaced = UpdateOffering(whole, {"*"});
  ASSERT_TRUE(replaced.ok()) << Describe(replaced.status);
  EXPECT_EQ(replaced.value.value_proposition(), whole.value_proposition());
  EXPECT_EQ(replaced.value.designed_for_revision(), offering_.designed_for_revision());
  ASSERT_TRUE(CreateDecision(kManagedPostgres, "while-down", MarkerDecision()).ok());
  EXPECT_TRUE(GetOffering(kManagedPostgres).ok());
  // A preview brings its own segment, so it needs no segment service.
  segv1::Segment proposed = OneClickCustomers();
  proposed.set_name(kOneClick);
  auto preview = EvaluateCoherence(kManagedPostgres, &proposed);
  ASSERT_TRUE(preview.ok()) << Describe(preview.status);
  EXPECT_EQ(preview.value.findings(0).kind(), v1::Finding::REINFORCEMENT);
}

TEST_F(OfferingSegmentDownTest, ARetargetSucceedsOnceTheSegmentServiceIsBack) {
  const int port = ClosedPort();
  StartOfferingServer(absl::StrCat("127.0.0.1:", port));
  ExpectPromptlyUnavailable(
      [&] { return Retarget(kManagedPostgres, kOneClick, "Retry me.", "retarget-later").status; });

  // The same request id after the outage does the work once.
  StartOfferingServerAgainstSegmentService();
  auto retargeted = Retarget(kManagedPostgres, kOneClick, "Retry me.", "retarget-later");
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  EXPECT_EQ(retargeted.value.target_segment(), kOneClick);
  const auto events = EventsSince(cursor_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().type(), "throughline.offering.v1.offering_retargeted");
}

TEST_F(OfferingSegmentDownTest, AReplayOfACompletedRequestIsAnsweredWhileTheSegmentServiceIsDown) {
  // The first attempts commit, but their answers are lost to the client (say, a timeout); the
  // client retries with the same request ids after the segment service went away.
  auto retargeted = Retarget(kManagedPostgres, kOneClick, "Replay me.", "retarget-replay");
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  auto created = CreateOffering("one-click-postgres", ManagedPostgres(kOneClick, "One click"),
                                "create-replay");
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  const std::string cursor = CurrentCursor();
  StopSegmentServer();

  auto replayed_retarget = Retarget(kManagedPostgres, kOneClick, "Replay me.", "retarget-replay");
  ASSERT_TRUE(replayed_retarget.ok()) << Describe(replayed_retarget.status);
  EXPECT_TRUE(SameMessage(replayed_retarget.value, retargeted.value));
  auto replayed_create = CreateOffering("one-click-postgres",
                                        ManagedPostgres(kOneClick, "One click"), "create-replay");
  ASSERT_TRUE(replayed_create.ok()) << Describe(replayed_create.status);
  EXPECT_TRUE(SameMessage(replayed_create.value, created.value));

  // The same request id with a different request is still refused, and a new request still
  // needs the segment service.
  auto reused = Retarget(kManagedPostgres, kDiy, "Something else.", "retarget-replay");
  EXPECT_EQ(reused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << Describe(reused.status);
  ExpectPromptlyUnavailable(
      [&] { return Retarget(kManagedPostgres, kDiy, "A new request.", "retarget-new").status; });
  // Neither the replays nor the refused requests wrote an event.
  ExpectNoEventsSince(cursor);
}

}  // namespace
}  // namespace throughline::offering::testing
